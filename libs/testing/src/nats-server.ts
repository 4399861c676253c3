import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';

import { waitFor } from './wait-for.js';

/** Options for {@link startNatsServer}. */
export interface NatsServerOptions {
  /** JetStream store dir; a fresh temp dir (deleted on stop) when omitted. */
  dataDir?: string;
  /** Client port; a free one when omitted. */
  port?: number;
}

/** A running nats-server with JetStream enabled. */
export interface NatsServerHandle {
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** SIGTERM (SIGKILL after 5 s), then removes the data dir if we created it. Idempotent. */
  stop(): Promise<void>;
}

const NATS_INSTALL_HINT =
  "nats-server not found on PATH: install it with 'apt-get install -y nats-server' (Debian) or from https://github.com/nats-io/nats-server/releases";

/** Path of the nats-server binary; throws an Error with an install hint when it is missing. */
export function findNatsServer(): string {
  const found = findExecutable('nats-server', [
    '/usr/sbin/nats-server',
    '/usr/local/bin/nats-server',
  ]);
  if (found === undefined) throw new Error(NATS_INSTALL_HINT);
  return found;
}

/** Starts nats-server (JetStream on, 127.0.0.1 only, no monitor port) and waits until it accepts connections. */
export async function startNatsServer(
  options: NatsServerOptions = {},
): Promise<NatsServerHandle> {
  const binary = findNatsServer();
  const ownsDataDir = options.dataDir === undefined;
  const dataDir =
    options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kubeguard-nats-')));
  if (!ownsDataDir) await mkdir(dataDir, { recursive: true });
  // The server writes its real port here, so `-p -1` lets the kernel pick one: no port race.
  const portsDir = await mkdtemp(join(tmpdir(), 'kubeguard-nats-ports-'));
  const forgetDirs = removeOnExit(
    ownsDataDir ? [portsDir, dataDir] : [portsDir],
  );
  const cleanup = async (): Promise<void> => {
    forgetDirs();
    await rm(portsDir, { recursive: true, force: true });
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  const args = [
    '--jetstream',
    '--addr',
    '127.0.0.1',
    '--port',
    String(options.port ?? -1),
    '--store_dir',
    dataDir,
    '--ports_file_dir',
    portsDir,
  ];
  const server = spawnManaged(binary, args);
  try {
    const ready = await waitFor(
      async () => {
        if (server.hasExited()) return 'exited' as const;
        const port = await readPortsFile(portsDir);
        if (port === undefined) return undefined;
        return (await canConnect(port)) ? port : undefined;
      },
      {
        timeoutMs: 10_000,
        intervalMs: 50,
        what: 'nats-server to accept connections',
      },
    );
    if (ready === 'exited') {
      throw new Error(
        `nats-server exited early (${server.exitReason()}):\n${server.outputTail()}`,
      );
    }
    const stop = once(async () => {
      await server.stop();
      await cleanup();
    });
    return { url: `nats://127.0.0.1:${ready}`, port: ready, dataDir, stop };
  } catch (error) {
    await server.stop();
    await cleanup();
    if (
      error instanceof Error &&
      !error.message.startsWith('nats-server exited early')
    ) {
      error.message += `\nnats-server output:\n${server.outputTail()}`;
    }
    throw error;
  }
}

async function readPortsFile(dir: string): Promise<number | undefined> {
  try {
    const name = (await readdir(dir)).find(file => file.endsWith('.ports'));
    if (name === undefined) return undefined;
    const parsed: unknown = JSON.parse(await readFile(join(dir, name), 'utf8'));
    const urls = (parsed as { nats?: unknown }).nats;
    const first: unknown = Array.isArray(urls) ? urls[0] : undefined;
    if (typeof first !== 'string') return undefined;
    const port = Number(new URL(first).port);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    // Not written yet, or caught mid-write.
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Child-process helpers shared with mongo-server.ts (not part of the public API,
// except findExecutable).

/** Returns true when something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Finds an executable by name on PATH, then among `fallbacks` (absolute paths). */
export function findExecutable(
  name: string,
  fallbacks: readonly string[] = [],
): string | undefined {
  const pathDirs = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter(dir => dir !== '' && isAbsolute(dir));
  const candidates = [...pathDirs.map(dir => join(dir, name)), ...fallbacks];
  return candidates.find(isExecutableFile);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A spawned server process we own. */
export interface ManagedProcess {
  readonly child: ChildProcess;
  hasExited(): boolean;
  /** "code 1", "signal SIGKILL" or the spawn error. */
  exitReason(): string;
  /** Last lines of stdout+stderr, for error messages. */
  outputTail(): string;
  /** SIGTERM, wait, SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
}

const TAIL_CHARS = 8_000;
const TAIL_LINES = 25;
const STOP_GRACE_MS = 5_000;

// Children still running and temp dirs we own: SIGKILLed / removed on process exit, so a
// test process that dies without calling stop() leaks nothing.
const liveChildren = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const dir of tempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // Best effort: a just-killed server may still hold files.
      }
    }
  });
}

/** Removes `dirs` on process exit unless the returned function is called first. */
export function removeOnExit(dirs: readonly string[]): () => void {
  installExitHandler();
  for (const dir of dirs) tempDirs.add(dir);
  return () => {
    for (const dir of dirs) tempDirs.delete(dir);
  };
}

/** Spawns a long-running server, capturing its output tail and registering it for exit cleanup. */
export function spawnManaged(
  command: string,
  args: readonly string[],
  options: {
    log?: ((line: string) => void) | undefined;
    env?: NodeJS.ProcessEnv | undefined;
  } = {},
): ManagedProcess {
  installExitHandler();
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  liveChildren.add(child);

  let tail = '';
  let exited = false;
  let reason = 'still running';
  const { log } = options;
  const onOutput = (): ((chunk: string) => void) => {
    let partial = '';
    return chunk => {
      tail = (tail + chunk).slice(-TAIL_CHARS);
      if (!log) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') log(line);
    };
  };
  // Always drain both pipes: a full pipe would block the server.
  child.stdout?.setEncoding('utf8').on('data', onOutput());
  child.stderr?.setEncoding('utf8').on('data', onOutput());

  const exitedPromise = new Promise<void>(resolve => {
    const markExited = (why: string): void => {
      if (exited) return;
      exited = true;
      reason = why;
      liveChildren.delete(child);
      resolve();
    };
    child.once('exit', (code, signal) =>
      markExited(signal === null ? `code ${code}` : `signal ${signal}`),
    );
    // A failed spawn emits 'error' (and no 'exit'); later errors (failed kill) are not exits.
    child.on('error', error => {
      if (child.pid === undefined) markExited(`spawn failed: ${error.message}`);
    });
  });

  const stop = once(async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const graceful = await Promise.race([
      exitedPromise.then(() => true),
      delay(STOP_GRACE_MS).then(() => false),
    ]);
    if (!graceful && !exited) {
      child.kill('SIGKILL');
      await exitedPromise;
    }
  });

  return {
    child,
    hasExited: () => exited,
    exitReason: () => reason,
    outputTail: () =>
      tail.trimEnd().split('\n').slice(-TAIL_LINES).join('\n') || '(no output)',
    stop,
  };
}

/** Wraps an async function so it runs at most once; later calls share the first promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function delay(ms: number): Promise<void> {
  return new Promise(resolve => {
    setTimeout(resolve, ms).unref();
  });
}
