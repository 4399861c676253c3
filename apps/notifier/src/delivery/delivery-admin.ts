import { InvalidArgumentError, NotFoundError } from '@kubeguard/errors';
import type { Outbox, OutboxItem } from '@kubeguard/storage-mongo';

import type { AlertChange, Sink } from '../sinks/sink.js';
import { describeFailure } from './failure.js';
import { testNotification } from '../sinks/test-notification.js';
import { SendTimeoutError, withTimeout } from './timeout.js';

/** The outcome of {@link DeliveryAdmin.sendTestAlert}. */
export interface TestAlertResult {
  sinkId: string;
  notificationId: string;
  /** True when the receiver accepted the test alert. */
  delivered: boolean;
  /** Why not, when it did not: the receiver's answer or the connection error. */
  error: string;
  /** Whether the failure looks temporary (receiver down) or not (bad URL, credentials, payload). */
  retryable: boolean;
  durationMs: number;
}

/** Selects dead letters to replay: every one of a sink, or the given ids. */
export interface ReplayRequest {
  sinkId?: string;
  ids?: readonly string[];
}

/**
 * Operator actions on delivery, written so RPC handlers (or a CLI) can bind
 * them directly: send a test alert, list and replay dead letters.
 */
export interface DeliveryAdmin {
  /** The configured sinks. */
  listSinks(): { id: string; kind: string }[];
  /**
   * Sends a test alert to a sink now, bypassing its routing and the outbox,
   * and reports what the receiver said.
   * @throws InvalidArgumentError naming `sink_id` when empty
   * @throws NotFoundError when no sink has that id
   */
  sendTestAlert(sinkId: string): Promise<TestAlertResult>;
  /** Dead letters, most recent first; of one sink when `sinkId` is set. */
  listDeadDeliveries(query: {
    sinkId?: string;
    limit?: number;
  }): Promise<OutboxItem<AlertChange>[]>;
  /**
   * Makes dead letters pending again (attempts reset) and wakes the loops.
   * @returns how many were replayed
   * @throws InvalidArgumentError naming `sink_id` when neither a sink nor ids are given
   * @throws NotFoundError when the sink is not configured
   */
  replayDeadDeliveries(request: ReplayRequest): Promise<number>;
}

/** Options of {@link createDeliveryAdmin}. */
export interface DeliveryAdminOptions {
  sinks: readonly Sink[];
  outbox: Outbox<AlertChange>;
  /** Wakes delivery loops after a replay. */
  wake: (sinkIds?: readonly string[]) => void;
  /** Bound on a test send. @default 30000 */
  testTimeoutMs?: number;
}

const MAX_DEAD_PAGE = 1000;

/** Creates the {@link DeliveryAdmin}. */
export function createDeliveryAdmin(
  options: DeliveryAdminOptions,
): DeliveryAdmin {
  const sinks = new Map(options.sinks.map(sink => [sink.id, sink]));
  const testTimeoutMs = options.testTimeoutMs ?? 30_000;

  const sinkOf = (sinkId: string): Sink => {
    if (sinkId === '') {
      throw new InvalidArgumentError('sink_id', 'required');
    }
    const sink = sinks.get(sinkId);
    if (!sink) {
      throw new NotFoundError(
        `sink '${sinkId}' is not configured (configured: ${[...sinks.keys()].join(', ') || 'none'})`,
      );
    }
    return sink;
  };

  return {
    listSinks: () =>
      options.sinks.map(sink => ({ id: sink.id, kind: sink.kind })),

    async sendTestAlert(sinkId) {
      const sink = sinkOf(sinkId);
      const notification = testNotification(sink.id, new Date());
      const started = performance.now();
      const result = {
        sinkId: sink.id,
        notificationId: notification.id,
      };
      try {
        await withTimeout(
          sink.send([notification]),
          testTimeoutMs,
          () => new SendTimeoutError(sink.id, testTimeoutMs),
        );
        return {
          ...result,
          delivered: true,
          error: '',
          retryable: false,
          durationMs: Math.round(performance.now() - started),
        };
      } catch (err) {
        const failure = describeFailure(err);
        return {
          ...result,
          delivered: false,
          error: failure.message,
          retryable: failure.retryable,
          durationMs: Math.round(performance.now() - started),
        };
      }
    },

    async listDeadDeliveries(query) {
      const limit = query.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DEAD_PAGE) {
        throw new InvalidArgumentError(
          'limit',
          `must be 1-${String(MAX_DEAD_PAGE)}, got '${String(limit)}'`,
        );
      }
      return options.outbox.listDead({
        limit,
        ...(query.sinkId ? { sinkId: query.sinkId } : {}),
      });
    },

    async replayDeadDeliveries(request) {
      const ids = request.ids ?? [];
      if (request.sinkId) {
        const sink = sinkOf(request.sinkId);
        const replayed = await options.outbox.replayDead(
          ids.length > 0 ? { sinkId: sink.id, ids } : { sinkId: sink.id },
          new Date(),
        );
        options.wake([sink.id]);
        return replayed;
      }
      if (ids.length === 0) {
        throw new InvalidArgumentError(
          'sink_id',
          'give a sink id, delivery ids, or both',
        );
      }
      const replayed = await options.outbox.replayDead({ ids }, new Date());
      options.wake();
      return replayed;
    },
  };
}
