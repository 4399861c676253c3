import { readFileSync } from 'node:fs';

import { partitionOf } from '@kubeguard/audit';
import { connectBus, type Bus } from '@kubeguard/bus';
import { AuditEventBatch, RawBatch, Streams } from '@kubeguard/contracts';
import { silentLogger } from '@kubeguard/log';
import { Counter, createMetrics } from '@kubeguard/metrics';
import {
  readStream,
  startNatsServer,
  type NatsServerHandle,
} from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRawHandler } from '../src/raw-handler.js';
import { createRecentEvents } from '../src/recent-events.js';

let nats: NatsServerHandle;
let bus: Bus;
const registry = createMetrics('normalizer_test').registry;
const records = new Counter({
  name: 'records_total',
  help: 'records',
  labelNames: ['outcome', 'reason'],
  registers: [registry],
});

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await connectBus({
    url: nats.url,
    service: 'normalizer',
    log: silentLogger(),
    streams: ['AUDIT_RAW', 'AUDIT_EVENTS', 'DEAD_LETTER'],
  });
});

afterAll(async () => {
  await bus.close();
  await nats.stop();
});

/** mallory binds shop's cart service account to edit. */
const GRANT = readFileSync(
  new URL(
    '../../../fixtures/k8s-audit/rolebinding-to-service-account.json',
    import.meta.url,
  ),
  'utf8',
);

async function countOf(outcome: string): Promise<number> {
  const metric = await records.get();
  return metric.values
    .filter(v => v.labels['outcome'] === outcome)
    .reduce((sum, v) => sum + v.value, 0);
}

describe('the raw batch handler', () => {
  it("publishes a binding to its caller's partition and, as a copy, to its subject's, once", async () => {
    const handle = createRawHandler({
      bus,
      partitions: 16,
      recent: createRecentEvents({ ttlMs: 600_000, maxEntries: 1000 }),
      records,
    });
    const batch = (batchId: string): RawBatch =>
      RawBatch.fromPartial({
        batchId,
        cluster: 'prod',
        body: Buffer.from(GRANT),
      });
    await handle(batch('raw-1'));
    // The same event again in another batch: a repeat, copy included.
    await handle(batch('raw-2'));

    const published = await readStream(
      nats.url,
      Streams.AUDIT_EVENTS.name,
      data => AuditEventBatch.decode(data),
    );
    expect(
      published.map(b => [
        b.partition,
        b.events.map(e => [e.auditId, e.partitionCopy]),
      ]),
    ).toEqual([
      [partitionOf('prod', 'mallory@example.com', 16), [['grant-1', false]]],
      [
        partitionOf('prod', 'system:serviceaccount:shop:cart', 16),
        [['grant-1', true]],
      ],
    ]);
    expect(await countOf('normalized')).toBe(1);
    expect(await countOf('copied')).toBe(1);
    expect(
      (await records.get()).values.find(
        v =>
          v.labels['outcome'] === 'skipped' && v.labels['reason'] === 'repeat',
      )?.value,
    ).toBe(2);
  });
});
