import { fileURLToPath } from 'node:url';

import { spawnManaged, type ManagedProcess } from './child-process.js';
import { waitFor } from './wait-for.js';

/** The repository root, where `apps/` and `node_modules/` live. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The four Kubeguard services. */
export type ServiceName = 'collector' | 'normalizer' | 'detector' | 'notifier';

/** Options for {@link startService}. */
export interface ServiceOptions {
  app: ServiceName;
  /** Environment on top of this process's; must set HTTP_PORT (readiness is polled there). */
  env: Record<string, string>;
  /** Receives each output line (JSON log lines). */
  log?: (line: string) => void;
  /** @default 30000 */
  readyTimeoutMs?: number;
}

/** A running service process. */
export interface ServiceProcess {
  readonly app: ServiceName;
  /** Sends SIGTERM (SIGKILL after 5 s) and resolves with how it exited, e.g. "code 0". */
  stop(): Promise<string>;
  hasExited(): boolean;
  outputTail(): string;
}

/**
 * Runs one service from its TypeScript sources (through tsx) as its own
 * process, and resolves once its `/readyz` answers 200.
 */
export async function startService(
  options: ServiceOptions,
): Promise<ServiceProcess> {
  const port = options.env['HTTP_PORT'];
  if (port === undefined) {
    throw new Error(
      'startService: env.HTTP_PORT is required to poll readiness',
    );
  }
  const child: ManagedProcess = spawnManaged(
    process.execPath,
    [
      '--conditions=@kubeguard/source',
      '--import',
      'tsx',
      `apps/${options.app}/src/main.ts`,
    ],
    {
      env: { ...process.env, ...options.env },
      cwd: REPO_ROOT,
      log: options.log,
    },
  );
  try {
    await waitFor(
      async () => {
        if (child.hasExited()) {
          throw new Error(
            `${options.app} exited (${child.exitReason()}):\n${child.outputTail()}`,
          );
        }
        const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(
          () => undefined,
        );
        return res?.ok ? true : undefined;
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 30_000,
        intervalMs: 100,
        what: `${options.app} to be ready`,
      },
    );
  } catch (err) {
    await child.stop();
    throw new Error(
      `${options.app} did not become ready: ${err instanceof Error ? err.message : String(err)}\n${child.outputTail()}`,
    );
  }
  return {
    app: options.app,
    stop: async () => {
      await child.stop();
      return child.exitReason();
    },
    hasExited: () => child.hasExited(),
    outputTail: () => child.outputTail(),
  };
}
