import type { AlertChange, Notification } from './sink.js';
import { SinkError } from './errors.js';
import { TokenBucket } from './token-bucket.js';

/** The pacing part of a sink's configuration. */
export interface PolicyConfig {
  /** At most this many notifications a minute (token bucket). */
  rateLimitPerMinute?: number | undefined;
  /** Bucket size: how many may go at once after a quiet spell. @default rateLimitPerMinute */
  rateLimitBurst?: number | undefined;
  /**
   * Notifications of one alert less than this long after the last delivered
   * one wait until the window ends and then go as one: the latest, with
   * `repeats` counting the notifications it stands for.
   */
  digestWindowMs?: number | undefined;
}

/** What to do with the pending notifications of one sink, now. */
export interface Plan {
  /** Send these now, in this order, as one `sink.send` batch. */
  send: Notification[];
  /** Done without sending: superseded by the notification `into` (which is in `send`). */
  fold: { id: string; into: string }[];
  /** Not now, and not a failed attempt: ask again at `until` (ms since epoch). */
  defer: {
    id: string;
    until: number;
    reason: 'rate-limit' | 'digest' | 'retry-after';
  }[];
}

/**
 * Rate limit and digest of one sink, consulted by the delivery loop:
 *
 * 1. Take the sink's due outbox entries (in the order they were enqueued)
 *    and call `plan(pending, now)`.
 * 2. Mark every `fold` entry done (it is superseded: the entry it folded
 *    into carries the latest state of the same alert); reschedule every
 *    `defer` entry to `until` without counting an attempt.
 * 3. `sink.send(plan.send)`; on success call `delivered(plan.send, now)`
 *    and mark them done; on failure call `failed(error, now)` (a
 *    Retry-After pauses the sink) and retry as usual, except ids in
 *    `SinkError.delivered`, which are done.
 *
 * State is in memory: after a restart the first notification of an alert
 * goes out at once and the bucket is full.
 */
export interface SinkPolicy {
  plan(pending: readonly Notification[], now: number): Plan;
  delivered(batch: readonly Notification[], now: number): void;
  failed(error: unknown, now: number): void;
}

/** Changes a digest keeps visible when it folds a later `updated` into them. */
const PROMINENT: readonly AlertChange[] = ['created', 'reopened'];

/** A {@link SinkPolicy} for one sink's configuration. */
export function createSinkPolicy(config: PolicyConfig): SinkPolicy {
  const bucket =
    config.rateLimitPerMinute === undefined
      ? undefined
      : new TokenBucket(
          config.rateLimitPerMinute,
          config.rateLimitBurst ?? config.rateLimitPerMinute,
        );
  const windowMs = config.digestWindowMs;
  const lastDelivered = new Map<string, number>();
  let pausedUntil = 0;

  const forget = (now: number): void => {
    if (windowMs === undefined) {
      return;
    }
    for (const [alertId, at] of lastDelivered) {
      if (now - at >= windowMs) {
        lastDelivered.delete(alertId);
      }
    }
  };

  return {
    plan(pending, now) {
      const plan: Plan = { send: [], fold: [], defer: [] };
      if (now < pausedUntil) {
        plan.defer = pending.map(n => ({
          id: n.id,
          until: pausedUntil,
          reason: 'retry-after',
        }));
        return plan;
      }
      forget(now);
      for (const group of groupsOf(pending, windowMs !== undefined)) {
        const alertId = group[0]?.alert.alertId ?? '';
        const last = lastDelivered.get(alertId);
        if (
          windowMs !== undefined &&
          last !== undefined &&
          now < last + windowMs
        ) {
          for (const n of group) {
            plan.defer.push({
              id: n.id,
              until: last + windowMs,
              reason: 'digest',
            });
          }
          continue;
        }
        if (bucket && !bucket.tryTake(now)) {
          const until = bucket.nextTokenAt(now);
          for (const n of group) {
            plan.defer.push({ id: n.id, until, reason: 'rate-limit' });
          }
          continue;
        }
        const kept = fold(group);
        plan.send.push(kept);
        for (const n of group) {
          if (n.id !== kept.id) {
            plan.fold.push({ id: n.id, into: kept.id });
          }
        }
      }
      return plan;
    },
    delivered(batch, now) {
      if (windowMs === undefined) {
        return;
      }
      for (const n of batch) {
        lastDelivered.set(n.alert.alertId, now);
      }
    },
    failed(error, now) {
      if (error instanceof SinkError && error.retryAfterMs !== undefined) {
        pausedUntil = Math.max(pausedUntil, now + error.retryAfterMs);
      }
    },
  };
}

/** With a digest, notifications grouped by alert (first-seen order); else one group each. */
function groupsOf(
  pending: readonly Notification[],
  byAlert: boolean,
): Notification[][] {
  if (!byAlert) {
    return pending.map(n => [n]);
  }
  const groups = new Map<string, Notification[]>();
  for (const n of pending) {
    const group = groups.get(n.alert.alertId);
    if (group) {
      group.push(n);
    } else {
      groups.set(n.alert.alertId, [n]);
    }
  }
  return [...groups.values()];
}

/**
 * The latest notification of a group, standing for all of them: `repeats`
 * adds up, and a creation or reopening stays visible when only updates
 * followed it.
 */
function fold(group: readonly Notification[]): Notification {
  const latest = group[group.length - 1];
  if (!latest) {
    throw new Error('empty digest group');
  }
  if (group.length === 1) {
    return latest;
  }
  const repeats = group.reduce((sum, n) => sum + (n.repeats ?? 1), 0);
  const prominent = group.find(n => PROMINENT.includes(n.change));
  const change =
    latest.change === 'updated' && prominent ? prominent.change : latest.change;
  return { ...latest, change, repeats };
}
