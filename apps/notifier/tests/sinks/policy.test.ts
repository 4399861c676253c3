import { describe, expect, it } from 'vitest';

import {
  createSinkPolicy,
  SinkError,
  TokenBucket,
} from '../../src/sinks/index.js';
import type { Notification } from '../../src/sinks/index.js';
import { sampleAlert, sampleNotification } from './support/fixtures.js';
import { configuredSink } from './support/sinks.js';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');

const of = (
  alertId: string,
  change: Notification['change'],
  id: string,
): Notification => sampleNotification(change, sampleAlert({ alertId }), id);

describe('token bucket', () => {
  it('gives a burst, then one token per interval', () => {
    const bucket = new TokenBucket(6, 2);
    expect(bucket.tryTake(T0)).toBe(true);
    expect(bucket.tryTake(T0)).toBe(true);
    expect(bucket.tryTake(T0)).toBe(false);
    expect(bucket.nextTokenAt(T0)).toBe(T0 + 10_000);
    expect(bucket.tryTake(T0 + 9_999)).toBe(false);
    expect(bucket.tryTake(T0 + 10_000)).toBe(true);
    // A long pause refills no more than the capacity.
    expect(bucket.tryTake(T0 + 600_000)).toBe(true);
    expect(bucket.tryTake(T0 + 600_000)).toBe(true);
    expect(bucket.tryTake(T0 + 600_000)).toBe(false);
  });
});

describe('sink policy', () => {
  it('sends everything at once with neither rate limit nor digest', () => {
    const policy = createSinkPolicy({});
    const pending = [of('a', 'created', 'n1'), of('a', 'updated', 'n2')];
    expect(policy.plan(pending, T0)).toEqual({
      send: pending,
      fold: [],
      defer: [],
    });
  });

  it('defers what exceeds the rate limit until a token is there', () => {
    const policy = createSinkPolicy({ rateLimitPerMinute: 3 });
    const pending = ['n1', 'n2', 'n3', 'n4', 'n5'].map((id, i) =>
      of(`alert-${String(i)}`, 'created', id),
    );
    const first = policy.plan(pending, T0);
    expect(first.send.map(n => n.id)).toEqual(['n1', 'n2', 'n3']);
    expect(first.defer).toEqual([
      { id: 'n4', until: T0 + 20_000, reason: 'rate-limit' },
      { id: 'n5', until: T0 + 20_000, reason: 'rate-limit' },
    ]);
    const second = policy.plan(pending.slice(3), T0 + 20_000);
    expect(second.send.map(n => n.id)).toEqual(['n4']);
    expect(second.defer).toEqual([
      { id: 'n5', until: T0 + 40_000, reason: 'rate-limit' },
    ]);
  });

  it('honours a smaller burst', () => {
    const policy = createSinkPolicy({
      rateLimitPerMinute: 60,
      rateLimitBurst: 1,
    });
    const pending = [of('a', 'created', 'n1'), of('b', 'created', 'n2')];
    const plan = policy.plan(pending, T0);
    expect(plan.send.map(n => n.id)).toEqual(['n1']);
    expect(plan.defer).toEqual([
      { id: 'n2', until: T0 + 1_000, reason: 'rate-limit' },
    ]);
  });

  it('digests repeats of an alert within the window into the latest, with a count', () => {
    const policy = createSinkPolicy({ digestWindowMs: 60_000 });
    // The first notification of an alert goes at once.
    const created = of('a', 'created', 'n1');
    const plan1 = policy.plan([created], T0);
    expect(plan1.send).toEqual([created]);
    policy.delivered(plan1.send, T0);

    // Repeats inside the window wait for its end.
    const update1 = of('a', 'updated', 'n2');
    expect(policy.plan([update1], T0 + 10_000).defer).toEqual([
      { id: 'n2', until: T0 + 60_000, reason: 'digest' },
    ]);
    const update2 = of('a', 'updated', 'n3');
    const other = of('b', 'created', 'n4');
    const plan3 = policy.plan([update1, update2, other], T0 + 30_000);
    expect(plan3.send).toEqual([other]);
    expect(plan3.defer).toEqual([
      { id: 'n2', until: T0 + 60_000, reason: 'digest' },
      { id: 'n3', until: T0 + 60_000, reason: 'digest' },
    ]);

    // At the end of the window they go as one: the latest, counting both.
    const plan4 = policy.plan([update1, update2], T0 + 60_000);
    expect(plan4.send).toEqual([{ ...update2, repeats: 2 }]);
    expect(plan4.fold).toEqual([{ id: 'n2', into: 'n3' }]);
    expect(plan4.defer).toEqual([]);
  });

  it('keeps a creation visible when later updates fold into it', () => {
    const policy = createSinkPolicy({ digestWindowMs: 60_000 });
    const created = of('a', 'created', 'n1');
    const updated = of('a', 'updated', 'n2');
    const plan = policy.plan([created, updated], T0);
    expect(plan.send).toEqual([{ ...updated, change: 'created', repeats: 2 }]);
    expect(plan.fold).toEqual([{ id: 'n1', into: 'n2' }]);
  });

  it('lets a resolve win over earlier changes it folds', () => {
    const policy = createSinkPolicy({ digestWindowMs: 60_000 });
    const plan = policy.plan(
      [
        of('a', 'created', 'n1'),
        of('a', 'updated', 'n2'),
        of('a', 'resolved', 'n3'),
      ],
      T0,
    );
    expect(plan.send.map(n => [n.id, n.change, n.repeats])).toEqual([
      ['n3', 'resolved', 3],
    ]);
  });

  it('forgets an alert once its window has passed', () => {
    const policy = createSinkPolicy({ digestWindowMs: 60_000 });
    policy.delivered([of('a', 'created', 'n1')], T0);
    const later = of('a', 'updated', 'n2');
    expect(policy.plan([later], T0 + 60_000).send).toEqual([later]);
  });

  it('spends one token on a digest group', () => {
    const policy = createSinkPolicy({
      digestWindowMs: 60_000,
      rateLimitPerMinute: 1,
    });
    const plan = policy.plan(
      [
        of('a', 'created', 'n1'),
        of('a', 'updated', 'n2'),
        of('b', 'created', 'n3'),
      ],
      T0,
    );
    expect(plan.send.map(n => n.id)).toEqual(['n2']);
    expect(plan.fold).toEqual([{ id: 'n1', into: 'n2' }]);
    expect(plan.defer).toEqual([
      { id: 'n3', until: T0 + 60_000, reason: 'rate-limit' },
    ]);
  });

  it('pauses the sink for a Retry-After', () => {
    const policy = createSinkPolicy({});
    policy.failed(
      new SinkError('SINK_HTTP_STATUS', 'slow down', {
        sinkId: 's',
        retryable: true,
        status: 429,
        retryAfterMs: 5_000,
      }),
      T0,
    );
    const pending = [of('a', 'created', 'n1')];
    expect(policy.plan(pending, T0 + 1_000)).toEqual({
      send: [],
      fold: [],
      defer: [{ id: 'n1', until: T0 + 5_000, reason: 'retry-after' }],
    });
    expect(policy.plan(pending, T0 + 5_000).send).toEqual(pending);
    // Errors without a hint change nothing.
    policy.failed(new Error('boom'), T0 + 5_000);
    expect(policy.plan(pending, T0 + 5_000).send).toEqual(pending);
  });

  it('comes with every configured sink', () => {
    const { policy, maxAttempts } = configuredSink({
      id: 'slow',
      kind: 'stdout',
      rateLimitPerMinute: 1,
      maxAttempts: 4,
    });
    expect(maxAttempts).toBe(4);
    const pending = [of('a', 'created', 'n1'), of('b', 'created', 'n2')];
    expect(policy.plan(pending, T0).send.map(n => n.id)).toEqual(['n1']);
  });
});
