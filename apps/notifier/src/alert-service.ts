import { once } from 'node:events';

import type { ServerWritableStream } from '@grpc/grpc-js';
import {
  AlertChangeKind,
  CreateSuppressionResponse,
  DeleteSuppressionResponse,
  GetAlertResponse,
  ListAlertsResponse,
  ListSuppressionsResponse,
  SimulateSuppressionResponse,
  StreamAlertsResponse,
  UpdateAlertResponse,
  type AlertServiceServer,
  type ListAlertsRequest,
  type StreamAlertsRequest,
} from '@kubeguard/contracts';
import { InvalidArgumentError, NotFoundError } from '@kubeguard/errors';
import { principalOf, serverStreaming, unary } from '@kubeguard/grpc';
import type { Logger } from '@kubeguard/log';
import type {
  AlertFilter,
  AlertStore,
  AlertUpdate,
  ChangeKind,
} from '@kubeguard/storage-mongo';

import type { DeliveryAdmin } from './delivery/delivery-admin.js';
import { createDeliveryRpcs } from './delivery/delivery-rpcs.js';

/** Options of {@link createAlertService}. */
export interface AlertServiceOptions {
  /** How often an open stream looks for new changes. @default 250 */
  pollMs?: number;
  /** Ends open streams (with OK) when aborted, so a shutdown need not wait for clients. */
  signal?: AbortSignal;
  /** @default () => new Date() */
  now?: () => Date;
  /** Serves the delivery RPCs (sinks, test alerts, dead deliveries). */
  delivery?: DeliveryAdmin;
}

/** Changes read per store query while a stream catches up. */
const STREAM_BATCH = 200;

const changeKinds: Record<ChangeKind, AlertChangeKind> = {
  created: AlertChangeKind.CREATED,
  updated: AlertChangeKind.UPDATED,
  reopened: AlertChangeKind.REOPENED,
  edited: AlertChangeKind.EDITED,
};

/**
 * gRPC AlertService over the alert store. Changes are recorded under the
 * caller's authenticated name (see `principalOf`).
 */
export function createAlertService(
  store: AlertStore,
  log: Logger,
  options: AlertServiceOptions = {},
): AlertServiceServer {
  const now = options.now ?? (() => new Date());
  const pollMs = options.pollMs ?? 250;
  return {
    listAlerts: unary(log, async request => {
      const page = await store.list({
        ...filterOf(request),
        pageSize: request.pageSize,
        pageToken: request.pageToken,
      });
      return ListAlertsResponse.create(page);
    }),

    getAlert: unary(log, async request => {
      if (request.alertId === '') {
        throw new InvalidArgumentError('alert_id', 'required');
      }
      const alert = await store.get(request.alertId);
      if (!alert) {
        throw new NotFoundError(`alert '${request.alertId}' does not exist`);
      }
      return GetAlertResponse.create({ alert });
    }),

    updateAlert: unary(log, async (request, call) => {
      const update: AlertUpdate = {
        status: request.status,
        reason: request.reason,
        comment: request.comment,
      };
      if (request.assignee !== undefined) {
        update.assignee = request.assignee;
      }
      const alert = await store.updateAlert(
        request.alertId,
        update,
        principalOf(call),
        now(),
      );
      return UpdateAlertResponse.create({ alert });
    }),

    streamAlerts: serverStreaming(log, async (request, call) => {
      const filter = filterOf(request);
      let position = await store.openCursor(request.cursor);
      const { signal: stopped, dispose } = stopSignal(call, options.signal);
      try {
        while (!stopped.aborted) {
          const { events, position: next } = await store.readChanges(
            position,
            filter,
            STREAM_BATCH,
          );
          for (const event of events) {
            if (stopped.aborted) {
              return;
            }
            await write(
              call,
              StreamAlertsResponse.create({
                event: {
                  alert: event.alert,
                  change: changeKinds[event.change],
                  cursor: String(event.seq),
                },
              }),
              stopped,
            );
          }
          position = next;
          if (events.length < STREAM_BATCH) {
            await sleep(pollMs, stopped);
          }
        }
      } finally {
        dispose();
      }
    }),

    createSuppression: unary(log, async (request, call) => {
      const suppression = await store.createSuppression(
        {
          name: request.name,
          reason: request.reason,
          expiresAt: request.expiresAt,
          match: request.match,
        },
        principalOf(call),
        now(),
      );
      return CreateSuppressionResponse.create({ suppression });
    }),

    listSuppressions: unary(log, async () =>
      ListSuppressionsResponse.create({
        suppressions: await store.listSuppressions(now()),
      }),
    ),

    deleteSuppression: unary(log, async request => {
      await store.deleteSuppression(request.suppressionId);
      return DeleteSuppressionResponse.create();
    }),

    simulateSuppression: unary(log, async request => {
      const { total, alerts } = await store.simulateSuppression(
        request.match,
        request.pageSize,
      );
      return SimulateSuppressionResponse.create({ total, alerts });
    }),

    ...createDeliveryRpcs(options.delivery, log),
  };
}

/** The store filter of a list or stream request (empty fields do not filter). */
function filterOf(
  request: ListAlertsRequest | StreamAlertsRequest,
): AlertFilter {
  const filter: AlertFilter = {
    cluster: request.cluster,
    ruleId: request.ruleId,
    minSeverity: request.minSeverity,
    status: request.status,
    namespace: request.namespace,
    actor: request.actor,
    text: request.text,
  };
  if (request.since) {
    filter.since = request.since;
  }
  if (request.until) {
    filter.until = request.until;
  }
  return filter;
}

/**
 * A signal aborted when the client cancels or the service is told to stop
 * streaming; `dispose` forgets the service signal when the stream ends.
 */
function stopSignal(
  call: ServerWritableStream<unknown, unknown>,
  service: AbortSignal | undefined,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const stop = (): void => {
    controller.abort();
  };
  call.once('cancelled', stop);
  if (service?.aborted) {
    stop();
  }
  service?.addEventListener('abort', stop, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      call.off('cancelled', stop);
      service?.removeEventListener('abort', stop);
    },
  };
}

/** Writes one message, waiting for the client to drain when its buffer is full. */
async function write<T>(
  call: ServerWritableStream<unknown, T>,
  message: T,
  stopped: AbortSignal,
): Promise<void> {
  if (!call.write(message)) {
    await once(call, 'drain', { signal: stopped }).catch(() => undefined);
  }
}

function sleep(ms: number, stopped: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      stopped.removeEventListener('abort', done);
      resolve();
    }
    stopped.addEventListener('abort', done, { once: true });
  });
}
