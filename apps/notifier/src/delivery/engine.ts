import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import { errorMessage } from '@kubeguard/errors';
import type { Logger } from '@kubeguard/log';
import type { Outbox } from '@kubeguard/storage-mongo';

import type { SinkPolicy } from '../sinks/policy.js';
import type { AlertChange, Sink } from '../sinks/sink.js';
import type { DeliverySettings } from './config.js';
import type { DeliveryMetrics } from './delivery-metrics.js';
import { startSinkWorker, type SinkWorker } from './sink-worker.js';

/** A sink as the delivery loops run it. */
export interface DeliverySink {
  sink: Sink;
  /** Rate limit and digest; none sends whatever is due. */
  policy?: SinkPolicy | undefined;
  /** Attempts before a dead letter, when the sink overrides the default. */
  maxAttempts?: number | undefined;
}

/** Options of {@link startDelivery}. */
export interface DeliveryOptions {
  sinks: readonly DeliverySink[];
  outbox: Outbox<AlertChange>;
  settings: DeliverySettings;
  metrics: DeliveryMetrics;
  log: Logger;
  /** Identifies this process in leases. @default host:pid:random */
  owner?: string;
  /** How often delivered notifications past their retention are deleted. @default 10 min */
  purgeIntervalMs?: number;
  /** For tests: the jitter source. */
  random?: () => number;
}

/** The running delivery loops, one per sink. */
export interface DeliveryEngine {
  /** Tells these sinks' loops (every loop when omitted) that notifications are due. */
  wake(sinkIds?: readonly string[]): void;
  /** Finishes the sends in flight, settles them, and stops every loop. */
  stop(): Promise<void>;
}

/** Starts one delivery loop per sink, and the outbox clean-up. */
export function startDelivery(options: DeliveryOptions): DeliveryEngine {
  const log = options.log.child({ component: 'delivery' });
  const owner =
    options.owner ??
    `${hostname()}:${String(process.pid)}:${randomUUID().slice(0, 8)}`;
  const workers = new Map<string, SinkWorker>(
    options.sinks.map(({ sink, policy, maxAttempts }) => [
      sink.id,
      startSinkWorker({
        sink,
        policy,
        maxAttempts,
        outbox: options.outbox,
        settings: options.settings,
        owner,
        metrics: options.metrics,
        log,
        ...(options.random === undefined ? {} : { random: options.random }),
      }),
    ]),
  );

  const purge = (): void => {
    options.outbox.purgeExpired(new Date()).then(
      deleted => {
        if (deleted > 0) {
          log.info('purged delivered notifications', { deleted });
        }
      },
      (err: unknown) => {
        log.warn('outbox purge failed', { err: errorMessage(err) });
      },
    );
  };
  purge();
  const purgeTimer = setInterval(purge, options.purgeIntervalMs ?? 600_000);
  purgeTimer.unref();

  log.info('delivery started', { sinks: [...workers.keys()], owner });
  return {
    wake(sinkIds) {
      for (const id of sinkIds ?? workers.keys()) {
        workers.get(id)?.wake();
      }
    },
    async stop() {
      clearInterval(purgeTimer);
      await Promise.all([...workers.values()].map(worker => worker.stop()));
    },
  };
}
