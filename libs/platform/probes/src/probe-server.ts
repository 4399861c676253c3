import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from '@kubeguard/log';
import type { Registry } from 'prom-client';

/** A readiness check: true (or resolving true) when the dependency is usable. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

/** Options for {@link startProbeServer}. */
export interface ProbeServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  registry: Registry;
  /** Named checks; `/readyz` is 200 only when every one passes. */
  checks: Record<string, ReadinessCheck>;
  log: Logger;
}

/** A running probe server. */
export interface ProbeServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `/livez` (the event loop answers), `/readyz` (every dependency
 * check passes) and `/metrics` (Prometheus text format).
 */
export async function startProbeServer(
  options: ProbeServerOptions,
): Promise<ProbeServer> {
  const { registry, checks, log } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    const handle = async (): Promise<void> => {
      switch (path) {
        case '/livez':
          reply(200, 'text/plain', 'ok\n');
          return;
        case '/readyz': {
          const results = await runChecks(checks);
          const ready = Object.values(results).every(Boolean);
          reply(
            ready ? 200 : 503,
            'application/json',
            JSON.stringify({ ready, checks: results }),
          );
          return;
        }
        case '/metrics':
          reply(200, registry.contentType, await registry.metrics());
          return;
        default:
          reply(
            404,
            'text/plain',
            'not found: try /livez, /readyz or /metrics\n',
          );
      }
    };
    handle().catch((err: unknown) => {
      log.error('probe request failed', { path, err });
      if (!res.headersSent) {
        reply(500, 'text/plain', 'internal error\n');
      }
    });
  });
  await listen(server, options.port, options.host ?? '127.0.0.1');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function runChecks(
  checks: Record<string, ReadinessCheck>,
): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return [name, await check()] as const;
      } catch {
        return [name, false] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
