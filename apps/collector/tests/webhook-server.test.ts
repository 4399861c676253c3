import { connectBus, type Bus } from '@kubeguard/bus';
import { silentLogger } from '@kubeguard/log';
import { createMetrics } from '@kubeguard/metrics';
import { startNatsServer, type NatsServerHandle } from '@kubeguard/testing';
import { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRawStore } from '../src/raw-store.js';
import { tokenAuth } from '../src/webhook-auth.js';
import {
  startWebhookServer,
  type WebhookServer,
} from '../src/webhook-server.js';

let nats: NatsServerHandle;
let bus: Bus;
let server: WebhookServer;
let requests: Counter<'result'>;
const metrics = createMetrics('collector_test');

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await connectBus({
    url: nats.url,
    service: 'collector',
    log: silentLogger(),
    streams: ['AUDIT_RAW'],
  });
  requests = new Counter({
    name: 'webhook_requests_total',
    help: 'x',
    labelNames: ['result'],
    registers: [metrics.registry],
  });
  server = await startWebhookServer({
    host: '127.0.0.1',
    port: 0,
    maxBatchBytes: 1024,
    auth: tokenAuth({}, { allowUnauthenticated: true, defaultCluster: 'test' }),
    store: createRawStore(bus, 'test'),
    log: silentLogger(),
    requests,
  });
});
afterAll(async () => {
  await server.close();
  await bus.close();
  await nats.stop();
});

const url = (): string => `http://127.0.0.1:${String(server.port)}/`;
const post = (
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) => fetch(url(), { method: 'POST', headers, body });
const count = async (result: string): Promise<number> =>
  (await requests.get()).values.find(v => v.labels.result === result)?.value ??
  0;

describe('audit webhook', () => {
  it('stores an Event and answers 200 with the batch id; the same body again is a duplicate', async () => {
    const body =
      '{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","verb":"get"}';
    const first = await post(body);
    expect(first.status).toBe(200);
    const stored = (await first.json()) as {
      batchId: string;
      duplicate: boolean;
      events: number;
    };
    expect(stored).toMatchObject({ duplicate: false, events: 1 });
    expect(stored.batchId).toMatch(/^[0-9a-f]{32}$/);
    expect(await (await post(body)).json()).toEqual({
      ...stored,
      duplicate: true,
    });
  });

  it('refuses a body over MAX_BATCH_BYTES with 413 and the limit', async () => {
    const items = Array.from({ length: 60 }, (_, i) => ({
      auditID: `id-${String(i)}`,
    }));
    const res = await post(JSON.stringify({ kind: 'EventList', items }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: 'body exceeds MAX_BATCH_BYTES (1024 bytes)',
    });
    expect(await count('too_large')).toBe(1);
  });

  it('refuses methods other than POST with 405', async () => {
    const res = await fetch(url());
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({
      error: 'method GET not allowed: POST an audit EventList',
    });
  });

  it('answers 503 with Retry-After when JetStream cannot store the batch', async () => {
    await nats.stop();
    const res = await post(
      '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}',
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^batch not stored, retry later: /,
    );
    expect(await count('unavailable')).toBe(1);
  });
});
