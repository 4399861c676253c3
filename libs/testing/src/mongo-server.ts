import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmod,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { MongoClient } from 'mongodb';

import { freePort } from './free-port.js';
import {
  findExecutable,
  once,
  removeOnExit,
  spawnManaged,
  type ManagedProcess,
} from './child-process.js';
import { waitFor } from './wait-for.js';

/** Where the MongoDB-wire server of a {@link MongoServerHandle} comes from. */
export type MongoServerKind = 'external' | 'mongod' | 'ferretdb';

/** Options for {@link startMongoServer}. */
export interface MongoServerOptions {
  /** Database files; a fresh temp dir (deleted on stop) when omitted. */
  dataDir?: string;
  /** Listen port; a free one when omitted. */
  port?: number;
  /** Receives harness progress messages (e.g. the one-time FerretDB build) and server output lines. */
  log?: (line: string) => void;
}

/** A reachable MongoDB-wire server. */
export interface MongoServerHandle {
  /** `mongodb://127.0.0.1:PORT/`, or `MONGO_URL` as-is. */
  readonly url: string;
  readonly kind: MongoServerKind;
  /** Stops the server we started (no-op for 'external'). Idempotent. */
  stop(): Promise<void>;
}

/** The FerretDB release the harness runs (v1: has the embedded SQLite backend). */
export const FERRETDB_VERSION = 'v1.24.2';

const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const PING_TIMEOUT_MS = 20_000;
const GO_TIMEOUT_MS = 15 * 60_000;
const LOCK_STALE_MS = 10 * 60_000;
const LOCK_WAIT_MS = 20 * 60_000;

type Log = ((line: string) => void) | undefined;

/**
 * Starts (or finds) a MongoDB-wire server: `MONGO_URL` if set, else `mongod` from PATH,
 * else FerretDB (found, or built once with Go into the user cache).
 */
export async function startMongoServer(
  options: MongoServerOptions = {},
): Promise<MongoServerHandle> {
  const external = process.env['MONGO_URL'];
  if (external !== undefined && external !== '') {
    return { url: external, kind: 'external', stop: async () => {} };
  }
  const mongod = findExecutable('mongod');
  if (mongod !== undefined) {
    return startLocalServer('mongod', mongod, options, (port, dataDir) => [
      '--bind_ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--dbpath',
      dataDir,
      '--quiet',
    ]);
  }
  const ferretdb = await ensureFerretDb(options.log);
  return startLocalServer('ferretdb', ferretdb, options, (port, dataDir) => [
    '--handler=sqlite',
    // The trailing slash matters: FerretDB wants a directory URL.
    `--sqlite-url=file:${dataDir.replace(/\/+$/, '')}/`,
    `--state-dir=${dataDir}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=127.0.0.1:0',
    '--telemetry=disable',
    '--log-level=warn',
  ]);
}

async function startLocalServer(
  kind: 'mongod' | 'ferretdb',
  binary: string,
  options: MongoServerOptions,
  argsFor: (port: number, dataDir: string) => string[],
): Promise<MongoServerHandle> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir =
    options.dataDir ?? (await mkdtemp(join(tmpdir(), `kubeguard-${kind}-`)));
  await mkdir(dataDir, { recursive: true });
  const forgetDataDir = removeOnExit(ownsDataDir ? [dataDir] : []);
  const removeDataDir = async (): Promise<void> => {
    forgetDataDir();
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  // freePort() can race with another process grabbing the port before the server binds it,
  // so a server that dies at startup on a port we picked gets a couple more tries.
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await freePort());
    const url = `mongodb://127.0.0.1:${port}/`;
    const server = spawnManaged(binary, argsFor(port, dataDir), {
      log: options.log,
    });
    try {
      await waitForPing(kind, server, url);
      const stop = once(async () => {
        await server.stop();
        await removeDataDir();
      });
      return { url, kind, stop };
    } catch (error) {
      await server.stop();
      lastError = error;
      if (!(error instanceof EarlyExitError)) break;
    }
  }
  await removeDataDir();
  throw lastError;
}

class EarlyExitError extends Error {}

async function waitForPing(
  kind: string,
  server: ManagedProcess,
  url: string,
): Promise<void> {
  let result: 'ready' | 'exited';
  try {
    result = await waitFor(
      async () => {
        if (server.hasExited()) return 'exited' as const;
        const client = new MongoClient(url, {
          directConnection: true,
          serverSelectionTimeoutMS: 1_000,
          connectTimeoutMS: 1_000,
        });
        try {
          await client.db('admin').command({ ping: 1 });
          return 'ready' as const;
        } finally {
          await client.close().catch(() => {});
        }
      },
      {
        timeoutMs: PING_TIMEOUT_MS,
        intervalMs: 200,
        what: `${kind} at ${url} to answer ping`,
      },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n${kind} output:\n${server.outputTail()}`, {
      cause: error,
    });
  }
  if (result === 'exited') {
    throw new EarlyExitError(
      `${kind} exited early (${server.exitReason()}):\n${server.outputTail()}`,
    );
  }
}

// ---------------------------------------------------------------------------
// FerretDB binary: find it, or build it once into the user cache.

/** Directory holding the harness-built FerretDB binary (`$XDG_CACHE_HOME` or ~/.cache). */
export function ferretDbCacheDir(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  const cacheRoot =
    xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache');
  return join(cacheRoot, 'kubeguard', `ferretdb-${FERRETDB_VERSION}`);
}

/**
 * Returns a working FerretDB v1 binary: from PATH, the harness cache or `$GOPATH/bin`,
 * else builds v1.24.2 with Go into the cache (once, under a cross-process lock).
 */
export async function ensureFerretDb(
  log?: (line: string) => void,
): Promise<string> {
  const existing = await findFerretDb();
  if (existing !== undefined) return existing;

  const go = findGo();
  if (go === undefined)
    throw new Error(noServerMessage('Go toolchain not found on PATH.'));

  const cacheDir = ferretDbCacheDir();
  const target = join(cacheDir, 'ferretdb');
  await mkdir(cacheDir, { recursive: true });
  return withLock(join(cacheDir, '.build.lock'), log, async () => {
    // Another process may have finished the build while we waited for the lock.
    if (await isUsableFerretDb(target)) return target;

    log?.(
      `building FerretDB ${FERRETDB_VERSION} into ${cacheDir} (one-time; takes a minute or two)`,
    );
    const failures: string[] = [];
    for (const [name, build] of [
      ['go install', goInstall],
      ['build from module copy', buildFromModuleCopy],
    ] as const) {
      try {
        await build(go, cacheDir, target);
        log?.(`FerretDB ${FERRETDB_VERSION} ready: ${target}`);
        return target;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push(`${name} failed: ${message}`);
        if (name === 'go install')
          log?.(
            `go install did not work, building from the module source instead`,
          );
      }
    }
    throw new Error(noServerMessage(failures.join('\n')));
  });
}

async function findFerretDb(): Promise<string | undefined> {
  const candidates = [
    findExecutable('ferretdb'),
    join(ferretDbCacheDir(), 'ferretdb'),
    await goPathBinary(),
  ];
  for (const candidate of candidates) {
    if (candidate !== undefined && (await isUsableFerretDb(candidate)))
      return candidate;
  }
  return undefined;
}

async function goPathBinary(): Promise<string | undefined> {
  const go = findGo();
  let goPath: string | undefined;
  if (go !== undefined) {
    goPath = await run(go, ['env', 'GOPATH'], { timeoutMs: 10_000 })
      .then(({ stdout }) => stdout.trim())
      .catch(() => undefined);
  }
  goPath ||= process.env['GOPATH'] || join(homedir(), 'go');
  const first = goPath.split(delimiter)[0];
  return first ? join(first, 'bin', 'ferretdb') : undefined;
}

function findGo(): string | undefined {
  return findExecutable('go', ['/usr/local/go/bin/go']);
}

// Builds from `go install` panic at startup (missing version.txt), and FerretDB v2 has no
// SQLite backend, so a binary only counts if `--version` works and reports v1.
async function isUsableFerretDb(binary: string): Promise<boolean> {
  try {
    const { stdout } = await run(binary, ['--version'], { timeoutMs: 15_000 });
    return /\bv1\./.test(stdout);
  } catch {
    return false;
  }
}

/** `go install pkg@version` into a scratch GOBIN, verified, then renamed into place. */
async function goInstall(
  go: string,
  cacheDir: string,
  target: string,
): Promise<void> {
  const gobin = await mkdtemp(join(cacheDir, '.install-'));
  try {
    await run(
      go,
      ['install', `${FERRETDB_MODULE}/cmd/ferretdb@${FERRETDB_VERSION}`],
      {
        cwd: tmpdir(),
        env: goEnv({ GOBIN: gobin }),
        timeoutMs: GO_TIMEOUT_MS,
      },
    );
    await installVerified(join(gobin, 'ferretdb'), target);
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}

/**
 * Works where `go install` does not: the proxy may refuse the version list, and the module
 * zip lacks build/version/version.txt (the binary panics without it). So we copy the module
 * source, add that file and `go build` it ourselves.
 */
async function buildFromModuleCopy(
  go: string,
  cacheDir: string,
  target: string,
): Promise<void> {
  const { stdout } = await run(
    go,
    ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`],
    {
      cwd: tmpdir(),
      env: goEnv({}),
      timeoutMs: GO_TIMEOUT_MS,
    },
  );
  const moduleDir = (JSON.parse(stdout) as { Dir?: unknown }).Dir;
  if (typeof moduleDir !== 'string' || moduleDir === '') {
    throw new Error(`go mod download gave no Dir: ${stdout.slice(0, 500)}`);
  }

  const work = await mkdtemp(join(tmpdir(), 'kubeguard-ferretdb-src-'));
  const output = join(
    cacheDir,
    `.ferretdb-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    const source = join(work, 'FerretDB');
    await cp(moduleDir, source, { recursive: true });
    // Module cache files are read-only.
    await makeWritable(source);
    await writeFile(
      join(source, 'build', 'version', 'version.txt'),
      `${FERRETDB_VERSION}\n`,
    );
    await run(go, ['build', '-o', output, './cmd/ferretdb'], {
      cwd: source,
      env: goEnv({}),
      timeoutMs: GO_TIMEOUT_MS,
    });
    await installVerified(output, target);
  } finally {
    await rm(output, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}

/** Checks a freshly built binary, then renames it over `target` (atomic: same directory tree). */
async function installVerified(built: string, target: string): Promise<void> {
  const { stdout } = await run(built, ['--version'], { timeoutMs: 15_000 });
  if (!/\bv1\./.test(stdout))
    throw new Error(`unexpected ferretdb --version output: ${stdout.trim()}`);
  await rename(built, target);
}

function goEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // No VCS stamping: the copy is not a git checkout. No go.work from the caller's environment.
  return {
    ...process.env,
    GOFLAGS: '-buildvcs=false',
    GOWORK: 'off',
    ...extra,
  };
}

async function makeWritable(path: string): Promise<void> {
  const info = await stat(path);
  await chmod(path, (info.mode & 0o7777) | 0o200);
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path))
    await makeWritable(join(path, entry));
}

function noServerMessage(detail: string): string {
  return [
    'no MongoDB-compatible server available for tests. Either:',
    '  - set MONGO_URL to a running MongoDB (e.g. mongodb://127.0.0.1:27017/), or',
    '  - put mongod or ferretdb (v1.x) on PATH, or',
    `  - install Go (https://go.dev/dl/) so the harness can build FerretDB ${FERRETDB_VERSION} into ${ferretDbCacheDir()}.`,
    `Underlying error: ${detail}`,
  ].join('\n');
}

/** mkdir-based cross-process lock; a lock untouched for LOCK_STALE_MS is considered abandoned. */
async function withLock<T>(
  lockDir: string,
  log: Log,
  fn: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const age = await stat(lockDir).then(
      info => Date.now() - info.mtimeMs,
      () => undefined,
    );
    if (age !== undefined && age > LOCK_STALE_MS) {
      log?.(`removing stale FerretDB build lock ${lockDir}`);
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new Error(
        `timed out after ${LOCK_WAIT_MS}ms waiting for build lock ${lockDir}`,
      );
    }
    if (!announced) {
      log?.(
        `waiting for another process to finish building FerretDB (lock ${lockDir})`,
      );
      announced = true;
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }

  // Keep the lock fresh during a long build so nobody thinks it is stale.
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockDir, now, now).catch(() => {});
  }, 30_000);
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await rm(lockDir, { recursive: true, force: true });
  }
}

interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Runs a command to completion; rejects with its exit status and output tail on failure. */
function run(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        env: options.env ?? process.env,
        timeout: options.timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const tail = (stderr || stdout).trim().slice(-2_000);
        reject(
          new Error(
            `\`${[command, ...args].join(' ')}\` failed: ${error.message.split('\n')[0]}${tail ? `\n${tail}` : ''}`,
          ),
        );
      },
    );
  });
}
