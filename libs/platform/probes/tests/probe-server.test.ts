import { silentLogger } from '@kubeguard/log';
import { createMetrics } from '@kubeguard/metrics';
import { afterEach, describe, expect, it } from 'vitest';

import { startProbeServer, type ProbeServer } from '../src/index.js';

let server: ProbeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${String(server?.port)}${path}`);
  return { status: res.status, body: await res.text() };
}

describe('startProbeServer', () => {
  it('answers liveness and serves prefixed Prometheus metrics', async () => {
    const metrics = createMetrics('collector');
    server = await startProbeServer({
      port: 0,
      registry: metrics.registry,
      checks: {},
      log: silentLogger(),
    });
    expect(await get('/livez')).toEqual({ status: 200, body: 'ok\n' });
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toContain('kubeguard_collector_process_cpu_seconds_total');
  });

  it('reports not ready with the failing check named', async () => {
    let natsUp = false;
    server = await startProbeServer({
      port: 0,
      registry: createMetrics('x').registry,
      checks: {
        nats: () => natsUp,
        mongo: () => Promise.reject(new Error('no route')),
      },
      log: silentLogger(),
    });
    expect(await get('/readyz')).toEqual({
      status: 503,
      body: JSON.stringify({
        ready: false,
        checks: { nats: false, mongo: false },
      }),
    });
    natsUp = true;
    expect((await get('/readyz')).body).toContain('"nats":true');
  });

  it('answers 404 on unknown paths', async () => {
    server = await startProbeServer({
      port: 0,
      registry: createMetrics('x').registry,
      checks: {},
      log: silentLogger(),
    });
    expect((await get('/nope')).status).toBe(404);
  });
});
