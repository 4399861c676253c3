import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  canConnect,
  findExecutable,
  once,
  removeOnExit,
  spawnManaged,
} from './child-process.js';
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
