import { Alert, AlertStatus, Severity } from '@kubeguard/contracts';
import { startMongoServer, type MongoServerHandle } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  connectMongoOutbox,
  type ConnectedOutbox,
  type OutboxEntry,
} from '../../src/index.js';

let mongo: MongoServerHandle;
let outbox: ConnectedOutbox;

const RETENTION_MS = 3_600_000;

beforeAll(async () => {
  mongo = await startMongoServer();
  outbox = await connectMongoOutbox({
    url: mongo.url,
    database: 'outbox_test',
    retentionMs: RETENTION_MS,
  });
});
afterAll(async () => {
  await outbox.close();
  await mongo.stop();
});

const alert = (id: string): Alert =>
  Alert.fromPartial({
    alertId: id,
    ruleId: 'anonymous-request-allowed',
    title: `alert ${id}`,
    severity: Severity.HIGH,
    cluster: 'prod',
    status: AlertStatus.NEW,
    actor: { username: 'system:anonymous', sourceIps: ['203.0.113.45'] },
    evidence: {
      auditIds: [`audit-${id}`],
      count: 2,
      firstSeen: new Date('2026-11-20T09:15:02.104Z'),
      lastSeen: new Date('2026-11-20T09:16:00.000Z'),
      matched: { user: 'system:anonymous' },
    },
    createdAt: new Date('2026-11-20T09:15:03.000Z'),
  });

const entry = (
  sinkId: string,
  alertId: string,
  cause = alertId,
): OutboxEntry => ({
  id: `${sinkId}:${alertId}:${cause}`,
  sinkId,
  change: 'created',
  alert: alert(alertId),
});

const at = (ms: number): Date => new Date(Date.UTC(2026, 10, 20) + ms);
const claim = (sinkId: string, now: Date, limit = 10, owner = 'w1') =>
  outbox.claimDue(sinkId, { limit, now, leaseMs: 1000, owner });

describe('MongoOutbox', () => {
  it('enqueues an entry once, however often it is enqueued', async () => {
    expect(
      await outbox.enqueue([entry('s1', 'a1'), entry('s1', 'a2')], at(0)),
    ).toBe(2);
    expect(
      await outbox.enqueue([entry('s1', 'a1'), entry('s1', 'a3')], at(10)),
    ).toBe(1);
    expect(await outbox.enqueue([entry('s1', 'a1')], at(20))).toBe(0);
    expect(await outbox.enqueue([], at(20))).toBe(0);

    const item = await outbox.get('s1:a1:a1');
    expect(item).toEqual({
      id: 's1:a1:a1',
      sinkId: 's1',
      change: 'created',
      alert: alert('a1'),
      state: 'pending',
      attempts: 0,
      nextAttemptAt: at(0),
      lastError: '',
      repeats: 1,
      foldedInto: undefined,
      leaseOwner: undefined,
      leaseToken: undefined,
      leasedUntil: undefined,
      createdAt: at(0),
      deliveredAt: undefined,
      deadAt: undefined,
    });
    expect(await outbox.counts('s1')).toEqual({ pending: 3, dead: 0 });
  });

  it('leases due items oldest first, once, and again after the lease expires', async () => {
    await outbox.enqueue([entry('c', 'x3')], at(300));
    await outbox.enqueue([entry('c', 'x1')], at(100));
    await outbox.enqueue([entry('c', 'x2')], at(200));
    await outbox.enqueue([entry('c', 'later')], at(5000));

    const first = await claim('c', at(1000), 2);
    expect(first.map(i => i.id)).toEqual(['c:x1:x1', 'c:x2:x2']);
    expect(first[0]).toMatchObject({
      attempts: 1,
      leaseOwner: 'w1',
      leasedUntil: at(2000),
      nextAttemptAt: at(2000),
    });
    expect(first[0]?.leaseToken).toMatch(/^[0-9a-f-]{36}$/);

    // Leased items are not due; the rest are, up to now.
    expect((await claim('c', at(1500), 10, 'w2')).map(i => i.id)).toEqual([
      'c:x3:x3',
    ]);
    expect(await claim('c', at(1600))).toEqual([]);
    expect(await outbox.nextDueAt('c')).toEqual(at(2000));

    // The claimer of x1/x2 died: its lease runs out and they are claimed again.
    const again = await claim('c', at(2000), 10, 'w3');
    expect(again.map(i => [i.id, i.attempts, i.leaseOwner])).toEqual([
      ['c:x1:x1', 2, 'w3'],
      ['c:x2:x2', 2, 'w3'],
    ]);
    // A settle by the old claim (its token was taken over) changes nothing.
    await outbox.markDead(
      { id: 'c:x1:x1', leaseToken: first[0]?.leaseToken },
      { error: 'late', now: at(2100) },
    );
    expect((await outbox.get('c:x1:x1'))?.state).toBe('pending');
  });

  it('settles attempts: delivered, failed with a retry time, dead', async () => {
    await outbox.enqueue(
      [entry('m', 'ok'), entry('m', 'retry'), entry('m', 'bad')],
      at(0),
    );
    const claimed = await claim('m', at(10));
    const byId = (id: string) => claimed.find(i => i.id === `m:${id}:${id}`);
    const [ok, retry, bad] = [byId('ok'), byId('retry'), byId('bad')];
    if (!ok || !retry || !bad) {
      throw new Error('expected three items');
    }
    await outbox.markDelivered([ok.id], at(20));
    await outbox.markFailed(retry, {
      error: 'HTTP 503',
      nextAttemptAt: at(5000),
      now: at(20),
    });
    await outbox.markDead(bad, { error: 'HTTP 400: bad payload', now: at(30) });

    expect(await outbox.get(ok.id)).toMatchObject({
      state: 'delivered',
      deliveredAt: at(20),
      attempts: 1,
      leaseOwner: undefined,
      leaseToken: undefined,
      leasedUntil: undefined,
    });
    expect(await outbox.get(retry.id)).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'HTTP 503',
      nextAttemptAt: at(5000),
      leaseOwner: undefined,
    });
    expect(await outbox.get(bad.id)).toMatchObject({
      state: 'dead',
      attempts: 1,
      lastError: 'HTTP 400: bad payload',
      deadAt: at(30),
    });
    expect(await claim('m', at(4999))).toEqual([]);
    expect((await claim('m', at(5000))).map(i => [i.id, i.attempts])).toEqual([
      ['m:retry:retry', 2],
    ]);
    expect(await outbox.counts('m')).toEqual({ pending: 1, dead: 1 });
  });

  it('releases unattempted items without counting the attempt', async () => {
    await outbox.enqueue([entry('r', 'a')], at(0));
    const [item] = await claim('r', at(10));
    if (!item) {
      throw new Error('expected an item');
    }
    await outbox.release([item], { now: at(20) });
    expect(await outbox.get(item.id)).toMatchObject({
      state: 'pending',
      attempts: 0,
      nextAttemptAt: at(20),
      leaseOwner: undefined,
    });
    // Held back (rate limit, digest): due again later, still not an attempt.
    const [again] = await claim('r', at(30));
    await outbox.release([{ id: item.id, leaseToken: again?.leaseToken }], {
      now: at(40),
      until: at(900),
    });
    expect(await outbox.get(item.id)).toMatchObject({
      attempts: 0,
      nextAttemptAt: at(900),
    });
    expect(await claim('r', at(899))).toEqual([]);
  });

  it('marks folded items done, and keeps the repeats of the one they folded into', async () => {
    await outbox.enqueue(
      [entry('f', 'a', 'd1'), entry('f', 'a', 'd2'), entry('f', 'a', 'd3')],
      at(0),
    );
    const claimed = await claim('f', at(10));
    await outbox.markFolded(
      [
        { id: 'f:a:d1', into: 'f:a:d3' },
        { id: 'f:a:d2', into: 'f:a:d3' },
      ],
      at(20),
    );
    const kept = claimed.find(i => i.id === 'f:a:d3');
    if (!kept) {
      throw new Error('expected f:a:d3');
    }
    await outbox.markFailed(kept, {
      error: 'HTTP 502',
      nextAttemptAt: at(100),
      now: at(20),
      repeats: 3,
    });
    expect(await outbox.get('f:a:d1')).toMatchObject({
      state: 'delivered',
      foldedInto: 'f:a:d3',
      deliveredAt: at(20),
    });
    expect(await outbox.get('f:a:d3')).toMatchObject({
      state: 'pending',
      repeats: 3,
      foldedInto: undefined,
    });
    expect(await outbox.counts('f')).toEqual({ pending: 1, dead: 0 });
  });

  it('lists dead items and replays them by id or by sink', async () => {
    await outbox.enqueue(
      [entry('d1', 'a'), entry('d1', 'b'), entry('d2', 'c')],
      at(0),
    );
    for (const [sinkId, t] of [
      ['d1', 100],
      ['d2', 200],
    ] as const) {
      for (const item of await claim(sinkId, at(t))) {
        await outbox.markDead(item, {
          error: `gave up ${item.id}`,
          now: at(t),
        });
      }
    }
    expect((await outbox.listDead({ sinkId: 'd1' })).map(i => i.id)).toEqual([
      'd1:a:a',
      'd1:b:b',
    ]);
    const all = (await outbox.listDead()).map(i => i.id);
    expect(all.slice(0, 3)).toEqual(['d2:c:c', 'd1:a:a', 'd1:b:b']);

    expect(await outbox.replayDead({ ids: ['d1:b:b', 'nope'] }, at(300))).toBe(
      1,
    );
    expect(await outbox.get('d1:b:b')).toMatchObject({
      state: 'pending',
      attempts: 0,
      nextAttemptAt: at(300),
      deadAt: undefined,
      lastError: 'gave up d1:b:b',
    });
    // Ids of another sink are not replayed when a sink is named.
    expect(
      await outbox.replayDead({ sinkId: 'd2', ids: ['d1:a:a'] }, at(350)),
    ).toBe(0);
    expect(await outbox.replayDead({ sinkId: 'd1' }, at(400))).toBe(1);
    expect(await outbox.counts('d1')).toEqual({ pending: 2, dead: 0 });
    expect(await outbox.counts('d2')).toEqual({ pending: 0, dead: 1 });
    // Replayed items are claimable again.
    expect((await claim('d1', at(400))).map(i => i.id)).toEqual([
      'd1:b:b',
      'd1:a:a',
    ]);
  });

  it('purges delivered items after the retention period, and only those', async () => {
    await outbox.enqueue([entry('p', 'old'), entry('p', 'kept')], at(0));
    const claimed = await claim('p', at(0));
    await outbox.markDelivered(
      claimed.map(i => i.id),
      at(0),
    );
    await outbox.enqueue([entry('p', 'pending')], at(0));
    expect(await outbox.purgeExpired(at(RETENTION_MS - 1))).toBe(0);
    expect(await outbox.purgeExpired(at(RETENTION_MS))).toBe(2);
    expect(await outbox.get('p:old:old')).toBeUndefined();
    expect(await outbox.get('p:pending:pending')).toMatchObject({
      state: 'pending',
    });
  });

  it('opens again on a database that has it (a restart)', async () => {
    const again = await connectMongoOutbox({
      url: mongo.url,
      database: 'outbox_test',
    });
    expect(await again.get('s1:a1:a1')).toMatchObject({ sinkId: 's1' });
    await again.close();
  });

  it('answers ping', async () => {
    expect(await outbox.ping()).toBe(true);
  });
});
