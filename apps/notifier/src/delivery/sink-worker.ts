import { errorMessage } from '@kubeguard/errors';
import type { Logger } from '@kubeguard/log';
import type { Outbox, OutboxItem } from '@kubeguard/storage-mongo';

import type { Plan, SinkPolicy } from '../sinks/policy.js';
import type { AlertChange, Notification, Sink } from '../sinks/sink.js';
import { retryDelayMs } from './backoff.js';
import type { DeliverySettings } from './config.js';
import type { DeliveryMetrics } from './delivery-metrics.js';
import { describeFailure, type SendFailure } from './failure.js';
import { notificationOf } from './notifications.js';
import { SendTimeoutError, withTimeout } from './timeout.js';

/** Options of {@link startSinkWorker}. */
export interface SinkWorkerOptions {
  sink: Sink;
  /** Rate limit and digest, applied at send time; none sends whatever is due. */
  policy?: SinkPolicy | undefined;
  /** This sink's attempts before a dead letter; overrides `settings.maxAttempts`. */
  maxAttempts?: number | undefined;
  outbox: Outbox<AlertChange>;
  settings: DeliverySettings;
  /** Identifies this process in leases. */
  owner: string;
  metrics: DeliveryMetrics;
  log: Logger;
  /** For tests: the jitter source. @default Math.random */
  random?: () => number;
}

/** The delivery loop of one sink. */
export interface SinkWorker {
  readonly sinkId: string;
  /** Looks for due notifications now instead of at the next poll. */
  wake(): void;
  /** Lets the send in flight finish and settles it, then stops. */
  stop(): Promise<void>;
}

/** A notification to send, with the outbox item it settles. */
interface Pending {
  notification: Notification;
  item: OutboxItem<AlertChange>;
}

type Item = OutboxItem<AlertChange>;

const GAUGE_REFRESH_MS = 5_000;
const MAX_OUTAGE_WAIT_MS = 30_000;
const SETTLE_TRIES = 3;

/**
 * Starts the loop that delivers one sink's outbox: claim a small batch of due
 * notifications under a lease, let the sink's policy hold back (rate limit)
 * or fold (digest) some, send the rest, then mark them delivered, reschedule
 * them with backoff, or make them dead letters. Each sink has its own loop,
 * so a slow or failing receiver holds back nobody else.
 */
export function startSinkWorker(options: SinkWorkerOptions): SinkWorker {
  const { sink, policy, outbox, settings, owner, metrics } = options;
  const log = options.log.child({ sink: sink.id });
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? settings.maxAttempts;
  const waker = createWaker();
  const sendTimeoutMs = Math.max(Math.floor(settings.leaseMs / 2), 1);
  const count = (result: string, n: number): void => {
    if (n > 0) {
      metrics.deliveries.inc({ sink: sink.id, result }, n);
    }
  };
  let stopping = false;
  let gaugesAt = 0;

  async function runLoop(): Promise<void> {
    let outage = 0;
    while (!stopping) {
      try {
        const claimed = await outbox.claimDue(sink.id, {
          limit: settings.batchSize,
          now: new Date(),
          leaseMs: settings.leaseMs,
          owner,
        });
        if (outage > 0) {
          log.info('outbox reachable again');
          outage = 0;
        }
        if (claimed.length > 0) {
          await handle(claimed);
        }
        await refreshGauges();
        if (claimed.length < settings.batchSize) {
          await waker.sleep(await idleMs());
        }
      } catch (err) {
        // The outbox (MongoDB) is unreachable: nothing is lost, wait and retry.
        outage += 1;
        if (outage === 1) {
          log.warn('outbox unavailable, delivery paused', {
            err: errorMessage(err),
          });
        }
        await waker.sleep(
          Math.min(
            settings.pollMs * 2 ** Math.min(outage - 1, 10),
            MAX_OUTAGE_WAIT_MS,
          ),
        );
      }
    }
  }

  /** Applies the policy to claimed items, then sends what it lets through. */
  async function handle(claimed: Item[]): Promise<void> {
    const now = Date.now();
    const byId = new Map(claimed.map(item => [item.id, item]));
    const plan: Plan = policy
      ? policy.plan(claimed.map(notificationOf), now)
      : { send: claimed.map(notificationOf), fold: [], defer: [] };

    for (const { id, until } of plan.defer) {
      const item = byId.get(id);
      if (item) {
        await outbox.release([item], {
          now: new Date(now),
          until: new Date(until),
        });
      }
    }
    if (plan.fold.length > 0) {
      await outbox.markFolded(plan.fold, new Date(now));
      count('folded', plan.fold.length);
    }
    const batch: Pending[] = [];
    for (const notification of plan.send) {
      const item = byId.get(notification.id);
      if (item) {
        batch.push({ notification, item });
      }
    }
    if (batch.length > 0) {
      await deliver(batch);
    }
  }

  /** Sends a batch and settles every item of it. */
  async function deliver(batch: Pending[]): Promise<void> {
    const notifications = batch.map(p => p.notification);
    const started = performance.now();
    let error: unknown;
    let failed = false;
    try {
      await withTimeout(
        sink.send(notifications),
        sendTimeoutMs,
        () => new SendTimeoutError(sink.id, sendTimeoutMs),
      );
    } catch (err) {
      error = err;
      failed = true;
    }
    metrics.sendSeconds.observe(
      { sink: sink.id },
      (performance.now() - started) / 1000,
    );
    if (!failed) {
      policy?.delivered(notifications, Date.now());
      await settleDelivered(batch);
      return;
    }
    policy?.failed(error, Date.now());
    const failure = describeFailure(error);
    const through = new Set(failure.delivered);
    const done = batch.filter(p => through.has(p.notification.id));
    const rest = batch.filter(p => !through.has(p.notification.id));
    if (done.length > 0) {
      policy?.delivered(
        done.map(p => p.notification),
        Date.now(),
      );
      await settleDelivered(done);
    }
    if (!failure.retryable && rest.length > 1) {
      // A rejected batch may hold one bad notification: send each alone so
      // only the bad ones become dead letters.
      for (const pending of rest) {
        await deliver([pending]);
      }
      return;
    }
    await settleFailed(rest, failure);
  }

  async function settleDelivered(batch: Pending[]): Promise<void> {
    count('delivered', batch.length);
    const ids = batch.map(p => p.item.id);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await outbox.markDelivered(ids, new Date());
        return;
      } catch (err) {
        if (attempt >= SETTLE_TRIES) {
          // The receiver has them; once the lease expires they are sent again.
          log.error('delivered but could not record it: will be sent again', {
            ids,
            err: errorMessage(err),
          });
          return;
        }
        await sleep(200 * attempt);
      }
    }
  }

  async function settleFailed(
    batch: Pending[],
    failure: SendFailure,
  ): Promise<void> {
    const now = new Date();
    const dead: string[] = [];
    let retried = 0;
    for (const { item, notification } of batch) {
      try {
        if (!failure.retryable || item.attempts >= maxAttempts) {
          const error = failure.retryable
            ? `gave up after ${String(item.attempts)} attempts: ${failure.message}`
            : failure.message;
          await outbox.markDead(item, { error, now });
          dead.push(item.id);
        } else {
          const delay = retryDelayMs(
            item.attempts,
            { baseMs: settings.backoffBaseMs, maxMs: settings.backoffMaxMs },
            failure.retryAfterMs,
            random,
          );
          await outbox.markFailed(item, {
            error: failure.message,
            nextAttemptAt: new Date(now.getTime() + delay),
            now,
            // A digest's count survives the retry.
            ...(notification.repeats === undefined
              ? {}
              : { repeats: notification.repeats }),
          });
          retried += 1;
        }
      } catch (err) {
        // Unrecorded: the item is retried when its lease expires.
        log.error('could not record a failed delivery', {
          id: item.id,
          err: errorMessage(err),
        });
      }
    }
    count('retry', retried);
    count('dead', dead.length);
    if (retried > 0) {
      log.warn('delivery failed, will retry', {
        count: retried,
        reason: failure.message,
      });
    }
    if (dead.length > 0) {
      log.error('delivery given up: dead letters', {
        ids: dead,
        reason: failure.message,
      });
    }
  }

  async function idleMs(): Promise<number> {
    const next = await outbox.nextDueAt(sink.id);
    if (next === undefined) {
      return settings.pollMs;
    }
    return Math.min(Math.max(next.getTime() - Date.now(), 10), settings.pollMs);
  }

  async function refreshGauges(): Promise<void> {
    if (Date.now() - gaugesAt < GAUGE_REFRESH_MS) {
      return;
    }
    gaugesAt = Date.now();
    const counts = await outbox.counts(sink.id);
    metrics.pending.set({ sink: sink.id }, counts.pending);
    metrics.dead.set({ sink: sink.id }, counts.dead);
  }

  const loop = runLoop();
  return {
    sinkId: sink.id,
    wake: () => {
      gaugesAt = 0;
      waker.wake();
    },
    async stop() {
      stopping = true;
      waker.wake();
      await loop;
    },
  };
}

/** A sleep that {@link Waker.wake} cuts short; a wake while awake skips the next sleep. */
interface Waker {
  wake(): void;
  sleep(ms: number): Promise<void>;
}

function createWaker(): Waker {
  let woken = false;
  let interrupt: (() => void) | undefined;
  return {
    wake() {
      woken = true;
      interrupt?.();
    },
    async sleep(ms) {
      if (!woken) {
        await new Promise<void>(resolve => {
          const timer = setTimeout(done, ms);
          function done(): void {
            clearTimeout(timer);
            interrupt = undefined;
            resolve();
          }
          interrupt = done;
        });
      }
      woken = false;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
