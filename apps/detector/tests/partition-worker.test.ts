import { connectBus, type Bus } from '@kubeguard/bus';
import {
  AuditEventBatch,
  Detection,
  eventSubject,
  Streams,
  type AuditEvent,
} from '@kubeguard/contracts';
import { normalizePayload } from '@kubeguard/audit';
import { silentLogger } from '@kubeguard/log';
import { createMetrics, Counter } from '@kubeguard/metrics';
import {
  BUILTIN_PACK_DIR,
  createStatefulEvaluator,
  EXAMPLE_DEFAULTS,
} from '@kubeguard/rules';
import {
  readStream,
  startNatsServer,
  waitFor,
  type NatsServerHandle,
} from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startPartitionWorker } from '../src/partition-worker.js';
import { createRuleSet, type RuleSet } from '../src/rule-set.js';

let nats: NatsServerHandle;
let bus: Bus;
let ruleSet: RuleSet;
const registry = createMetrics('detector_test').registry;
const counters = {
  events: new Counter({ name: 'e', help: 'e', registers: [registry] }),
  detections: new Counter({
    name: 'd',
    help: 'd',
    labelNames: ['rule'],
    registers: [registry],
  }),
  ruleErrors: new Counter({
    name: 'r',
    help: 'r',
    labelNames: ['rule'],
    registers: [registry],
  }),
};

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await connectBus({
    url: nats.url,
    service: 'detector',
    log: silentLogger(),
    streams: ['AUDIT_EVENTS', 'DETECTIONS', 'DEAD_LETTER'],
  });
  ruleSet = createRuleSet({
    dirs: [BUILTIN_PACK_DIR],
    reloadMs: 0,
    log: silentLogger(),
  });
});
afterAll(async () => {
  await bus.close();
  await nats.stop();
});

/** Unauthenticated 401s from one public address, a second apart. */
function failures(from: number, count: number): AuditEvent[] {
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      ...EXAMPLE_DEFAULTS,
      auditID: `fail-${String(from + i)}`,
      verb: 'list',
      requestURI: '/api/v1/secrets',
      user: {
        username: 'system:anonymous',
        groups: ['system:unauthenticated'],
      },
      sourceIPs: ['198.51.100.7'],
      objectRef: { resource: 'secrets' },
      responseStatus: { code: 401 },
      annotations: {},
      stageTimestamp: new Date(
        Date.UTC(2026, 10, 20, 9, 0, from + i),
      ).toISOString(),
    }),
  );
  return normalizePayload(lines.join('\n'), {
    cluster: 'c1',
    rawBatchId: `raw-${String(from)}`,
  }).events;
}

async function publish(events: AuditEvent[], id: string): Promise<void> {
  await bus.publish(
    eventSubject('c1', 3),
    AuditEventBatch,
    AuditEventBatch.create({
      batchId: id,
      cluster: 'c1',
      partition: 3,
      events,
    }),
    {
      msgId: id,
    },
  );
}

function startWorker(): ReturnType<typeof startPartitionWorker> {
  return startPartitionWorker({
    partition: 3,
    bus,
    ruleSet,
    evaluator: createStatefulEvaluator(),
    state: bus.keyValue('detector-state-test'),
    detector: 'kubeguard-detector',
    counters,
    log: silentLogger(),
  });
}

const detections = (): Promise<Detection[]> =>
  readStream(nats.url, Streams.DETECTIONS.name, d => Detection.decode(d));

describe('partition worker', () => {
  it('keeps a stateful window across a restart through the key-value bucket', async () => {
    const first = await startWorker();
    await publish(failures(0, 6), 'b1');
    await waitFor(
      async () =>
        (await counters.events.get()).values[0]?.value === 6 ? true : undefined,
      {
        what: 'six events evaluated',
      },
    );
    await first.stop();
    expect(
      (await detections()).filter(d => d.ruleId === 'auth-failure-burst'),
    ).toEqual([]);

    // a new worker, as after a restart, restores the window and completes it
    const second = await startWorker();
    await publish(failures(6, 4), 'b2');
    const burst = await waitFor(
      async () =>
        (await detections()).find(d => d.ruleId === 'auth-failure-burst'),
      { what: 'the burst detection' },
    );
    await second.stop();
    expect(burst.evidence?.count).toBe(10);
    expect(burst.evidence?.auditIds).toContain('fail-0');
    expect(burst.detector).toBe('kubeguard-detector');
    expect(
      (await detections()).filter(d => d.ruleId === 'auth-failure-burst'),
    ).toHaveLength(1);
  });
});
