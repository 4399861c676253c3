import { Alert, Severity } from '@kubeguard/contracts';
import { silentLogger } from '@kubeguard/log';
import { createMetrics } from '@kubeguard/metrics';
import {
  connectMongoOutbox,
  type ConnectedOutbox,
  type OutboxEntry,
} from '@kubeguard/storage-mongo';
import {
  startMongoServer,
  waitFor,
  type MongoServerHandle,
} from '@kubeguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { DeliverySettings } from '../../src/delivery/config.js';
import {
  createDeliveryMetrics,
  type DeliveryMetrics,
} from '../../src/delivery/delivery-metrics.js';
import {
  startDelivery,
  type DeliveryEngine,
} from '../../src/delivery/engine.js';
import { notificationId } from '../../src/delivery/notifications.js';
import type { AlertChange, Sink } from '../../src/sinks/sink.js';
import { createSinkPolicy, type PolicyConfig } from '../../src/sinks/policy.js';
import { sendEach } from '../../src/sinks/send-each.js';
import { httpTestSink } from './support/http-test-sink.js';
import { startReceiver, type Receiver } from './support/receiver.js';

let mongo: MongoServerHandle;
let outbox: ConnectedOutbox<AlertChange>;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  mongo = await startMongoServer();
  outbox = await connectMongoOutbox<AlertChange>({
    url: mongo.url,
    database: 'delivery_test',
  });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});
afterAll(async () => {
  await outbox.close();
  await mongo.stop();
});

const SETTINGS: DeliverySettings = {
  maxAttempts: 10,
  backoffBaseMs: 50,
  backoffMaxMs: 400,
  leaseMs: 4_000,
  batchSize: 5,
  pollMs: 100,
};

async function receiver(
  ...args: Parameters<typeof startReceiver>
): Promise<Receiver> {
  const r = await startReceiver(...args);
  cleanups.push(() => r.close());
  return r;
}

function start(
  sinks: Sink[],
  settings: Partial<DeliverySettings> = {},
  policy?: PolicyConfig,
): { engine: DeliveryEngine; metrics: DeliveryMetrics } {
  const metrics = createDeliveryMetrics(createMetrics('notifier'));
  const engine = startDelivery({
    sinks: sinks.map(sink => ({
      sink,
      policy: policy && createSinkPolicy(policy),
    })),
    outbox,
    settings: { ...SETTINGS, ...settings },
    metrics,
    log: silentLogger(),
    owner: 'test',
  });
  cleanups.push(() => engine.stop());
  return { engine, metrics };
}

const alert = (id: string): Alert =>
  Alert.fromPartial({
    alertId: id,
    ruleId: 'privileged-pod',
    title: `alert ${id}`,
    severity: Severity.HIGH,
    cluster: 'prod',
    evidence: { count: 1, auditIds: [`audit-${id}`] },
  });

/** Enqueues `n` notifications for a sink; returns their ids. */
async function enqueue(
  sinkId: string,
  n: number,
  prefix = 'a',
): Promise<string[]> {
  const entries: OutboxEntry<AlertChange>[] = Array.from(
    { length: n },
    (_, i) => {
      const alertId = `${prefix}${String(i)}`;
      return {
        id: notificationId(sinkId, alertId, `d-${alertId}`),
        sinkId,
        change: 'created',
        alert: alert(alertId),
      };
    },
  );
  await outbox.enqueue(entries, new Date());
  return entries.map(e => e.id);
}

async function metricValue(
  metrics: DeliveryMetrics,
  sink: string,
  result: string,
): Promise<number> {
  const { values } = await metrics.deliveries.get();
  return (
    values.find(v => v.labels.sink === sink && v.labels.result === result)
      ?.value ?? 0
  );
}

describe('delivery engine', () => {
  it('delivers every notification exactly once to a receiver that fails for a while, then recovers', async () => {
    const recoverAt = Date.now() + 1_500;
    const r = await receiver(() => ({
      status: Date.now() < recoverAt ? 503 : 200,
    }));
    const ids = await enqueue('flaky', 30);
    const { engine, metrics } = start([httpTestSink('flaky', r.url)]);
    engine.wake();

    // Bounded: the backoff cap is 400 ms, so recovery is noticed quickly.
    await waitFor(() => (r.accepted().length >= 30 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'all 30 notifications accepted',
    });
    const counts = r.acceptedCounts();
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    expect([...counts.values()].every(n => n === 1)).toBe(true);
    expect(r.requests.some(q => q.status === 503)).toBe(true);

    await waitFor(async () =>
      (await outbox.counts('flaky')).pending === 0 ? true : undefined,
    );
    const items = await Promise.all(ids.map(id => outbox.get(id)));
    for (const item of items) {
      expect(item).toMatchObject({
        state: 'delivered',
        leaseOwner: undefined,
        leaseToken: undefined,
      });
    }
    expect(items.some(item => (item?.attempts ?? 0) > 1)).toBe(true);
    expect(await metricValue(metrics, 'flaky', 'delivered')).toBe(30);
    expect(await metricValue(metrics, 'flaky', 'retry')).toBeGreaterThan(0);
    expect(await metricValue(metrics, 'flaky', 'dead')).toBe(0);
  });

  it('does not let a sink that is down delay another sink', async () => {
    // The down receiver holds every request open far longer than the test.
    const down = await receiver(() => ({ status: 200, delayMs: 20_000 }));
    const up = await receiver();
    await enqueue('down', 10);
    const upIds = await enqueue('up', 10);
    start([httpTestSink('down', down.url), httpTestSink('up', up.url)], {
      leaseMs: 60_000,
    }).engine.wake();

    await waitFor(() => (up.accepted().length >= 10 ? true : undefined), {
      timeoutMs: 5_000,
      what: 'the healthy sink to get all 10',
    });
    expect(up.accepted().sort()).toEqual([...upIds].sort());
    expect(down.inFlight()).toBe(1);
    expect(down.accepted()).toEqual([]);
    // Let the stuck send fail now rather than hold up the engine's stop.
    await down.close();
  });

  it('makes a rejected (400) notification a dead letter after one attempt, and only that one', async () => {
    const r = await receiver(({ ids }) => ({
      status: ids.some(id => id.includes(':bad')) ? 400 : 200,
    }));
    const good = await enqueue('strict', 4, 'good');
    const [bad] = await enqueue('strict', 1, 'bad');
    const { engine, metrics } = start([httpTestSink('strict', r.url)]);
    engine.wake();

    await waitFor(async () =>
      (await outbox.counts('strict')).pending === 0 ? true : undefined,
    );
    expect(r.accepted().sort()).toEqual([...good].sort());
    const dead = await outbox.listDead({ sinkId: 'strict' });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      id: bad,
      state: 'dead',
      attempts: 1,
      lastError: "SINK_HTTP_STATUS: sink 'strict': HTTP 400",
    });
    expect(await metricValue(metrics, 'strict', 'dead')).toBe(1);
    expect(await metricValue(metrics, 'strict', 'delivered')).toBe(4);
  });

  it('gives up on a retryable failure after maxAttempts, and a replay delivers it', async () => {
    const r = await receiver(() => ({ status: 503 }));
    const ids = await enqueue('outage', 3);
    const { engine } = start([httpTestSink('outage', r.url)], {
      maxAttempts: 3,
      backoffMaxMs: 50,
    });
    engine.wake();

    await waitFor(
      async () =>
        (await outbox.counts('outage')).dead === 3 ? true : undefined,
      { timeoutMs: 10_000, what: 'three dead letters' },
    );
    for (const item of await outbox.listDead({ sinkId: 'outage' })) {
      expect(item).toMatchObject({
        attempts: 3,
        lastError:
          "gave up after 3 attempts: SINK_HTTP_STATUS: sink 'outage': HTTP 503",
      });
    }
    // Each notification was sent three times; with jittered retries they
    // need not share a request every time.
    const refused = r.requests
      .filter(q => q.status === 503)
      .flatMap(q => q.ids);
    expect(ids.map(id => refused.filter(x => x === id).length)).toEqual([
      3, 3, 3,
    ]);

    r.setReply(() => ({ status: 200 }));
    expect(await outbox.replayDead({ sinkId: 'outage' }, new Date())).toBe(3);
    engine.wake(['outage']);
    await waitFor(() => (r.accepted().length === 3 ? true : undefined), {
      what: 'the replayed notifications',
    });
    expect(r.accepted().sort()).toEqual([...ids].sort());
  });

  it("waits at least the receiver's Retry-After", async () => {
    const r = await receiver((_, index) =>
      index === 0
        ? { status: 429, headers: { 'retry-after': '1' } }
        : { status: 200 },
    );
    const [id] = await enqueue('polite', 1);
    start([httpTestSink('polite', r.url)]).engine.wake();
    await waitFor(() => (r.accepted().length === 1 ? true : undefined), {
      timeoutMs: 5_000,
    });
    const [first, second] = r.requests;
    expect(first?.status).toBe(429);
    expect(second?.ids).toEqual([id]);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('retries the notifications of a notifier that died mid-send once its lease expires', async () => {
    const r = await receiver();
    const ids = await enqueue('orphan', 3);
    // A previous notifier claimed them and died without settling.
    const orphaned = await outbox.claimDue('orphan', {
      limit: 10,
      now: new Date(),
      leaseMs: 800,
      owner: 'dead-notifier',
    });
    expect(orphaned).toHaveLength(3);
    const claimedAt = Date.now();
    start([httpTestSink('orphan', r.url)]).engine.wake();

    await waitFor(() => (r.accepted().length === 3 ? true : undefined), {
      timeoutMs: 5_000,
    });
    expect(r.accepted().sort()).toEqual([...ids].sort());
    expect((r.requests[0]?.at ?? 0) - claimedAt).toBeGreaterThanOrEqual(750);
    await waitFor(async () =>
      (await outbox.counts('orphan')).pending === 0 ? true : undefined,
    );
    const item = await outbox.get(ids[0] ?? '');
    expect(item).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('finishes the send in flight on stop and leaves nothing leased', async () => {
    const r = await receiver(() => ({ status: 200, delayMs: 600 }));
    const ids = await enqueue('graceful', 8);
    const { engine } = start([httpTestSink('graceful', r.url)]);
    engine.wake();
    await waitFor(() => (r.inFlight() > 0 ? true : undefined));
    await engine.stop();

    expect(r.inFlight()).toBe(0);
    const sent = new Set(r.accepted());
    expect(sent.size).toBe(5);
    for (const id of ids) {
      const item = await outbox.get(id);
      expect(item?.leaseOwner).toBeUndefined();
      expect(item?.state).toBe(sent.has(id) ? 'delivered' : 'pending');
    }
  });

  it('publishes the pending and dead gauges per sink', async () => {
    const r = await receiver(() => ({ status: 400 }));
    await enqueue('gauged', 2);
    const { engine, metrics } = start([httpTestSink('gauged', r.url)]);
    engine.wake();
    await waitFor(async () =>
      (await outbox.counts('gauged')).dead === 2 ? true : undefined,
    );
    engine.wake();
    await waitFor(async () => {
      const dead = (await metrics.dead.get()).values.find(
        v => v.labels.sink === 'gauged',
      );
      return dead?.value === 2 ? true : undefined;
    });
    const pending = (await metrics.pending.get()).values.find(
      v => v.labels.sink === 'gauged',
    );
    expect(pending?.value).toBe(0);
  });

  it('sends only what a partly failed batch did not deliver', async () => {
    // One request per notification; the third request fails once.
    const r = await receiver((_, index) => ({
      status: index === 2 ? 503 : 200,
    }));
    const single = httpTestSink('each-inner', r.url);
    const sink: Sink = {
      ...single,
      id: 'each',
      send: batch => sendEach(batch, n => single.send([n])),
    };
    const ids = await enqueue('each', 5);
    start([sink]).engine.wake();

    await waitFor(() => (r.accepted().length === 5 ? true : undefined), {
      timeoutMs: 5_000,
    });
    await waitFor(async () =>
      (await outbox.counts('each')).pending === 0 ? true : undefined,
    );
    expect([...r.acceptedCounts().values()]).toEqual([1, 1, 1, 1, 1]);
    expect(r.accepted().sort()).toEqual([...ids].sort());
    const attempts = await Promise.all(
      ids.map(async id => (await outbox.get(id))?.attempts),
    );
    // The two sent before the failure were done; the failed one and those
    // after it took a second attempt.
    expect(attempts.filter(a => a === 1)).toHaveLength(2);
    expect(attempts.filter(a => a === 2)).toHaveLength(3);
  });

  it("applies the sink's rate limit without counting held-back notifications as attempts", async () => {
    const r = await receiver();
    const ids = await enqueue('paced', 4);
    const { engine, metrics } = start(
      [httpTestSink('paced', r.url)],
      {},
      {
        rateLimitPerMinute: 120,
        rateLimitBurst: 2,
      },
    );
    const started = Date.now();
    engine.wake();

    await waitFor(() => (r.accepted().length === 4 ? true : undefined), {
      timeoutMs: 5_000,
    });
    const times = r.requests.flatMap(q => q.ids.map(() => q.at - started));
    // Two at once (the burst, one batch), then one per 500 ms.
    expect(r.requests[0]?.ids).toHaveLength(2);
    expect(times[2] ?? 0).toBeGreaterThanOrEqual(450);
    expect(times[3] ?? 0).toBeGreaterThanOrEqual(950);
    await waitFor(async () =>
      (await outbox.counts('paced')).pending === 0 ? true : undefined,
    );
    for (const id of ids) {
      expect((await outbox.get(id))?.attempts).toBe(1);
    }
    expect(await metricValue(metrics, 'paced', 'retry')).toBe(0);
  });

  it('folds the repeats of one alert into one notification with a digest', async () => {
    const r = await receiver();
    const a = alert('repeated');
    const entries: OutboxEntry<AlertChange>[] = ['d1', 'd2', 'd3'].map(
      (cause, i) => ({
        id: notificationId('digest', a.alertId, cause),
        sinkId: 'digest',
        change: i === 0 ? 'created' : 'updated',
        alert: { ...a, evidence: { ...a.evidence!, count: i + 1 } },
      }),
    );
    await outbox.enqueue(entries, new Date());
    const { engine, metrics } = start(
      [httpTestSink('digest', r.url)],
      {},
      { digestWindowMs: 60_000 },
    );
    engine.wake();

    await waitFor(async () =>
      (await outbox.counts('digest')).pending === 0 ? true : undefined,
    );
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]?.body).toMatchObject({
      notifications: [
        {
          id: 'digest:repeated:d3',
          change: 'created',
          repeats: 3,
          alert: { alertId: 'repeated', evidence: { count: 3 } },
        },
      ],
    });
    expect(await outbox.get('digest:repeated:d1')).toMatchObject({
      state: 'delivered',
      foldedInto: 'digest:repeated:d3',
    });
    expect(await metricValue(metrics, 'digest', 'folded')).toBe(2);
    expect(await metricValue(metrics, 'digest', 'delivered')).toBe(1);
  });
});
