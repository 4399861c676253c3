/** Child-process helpers shared by the server launchers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, isAbsolute, join } from 'node:path';

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
    cwd?: string | undefined;
  } = {},
): ManagedProcess {
  installExitHandler();
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
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
