import {
  ListDeadDeliveriesResponse,
  ListSinksResponse,
  ReplayDeadDeliveriesResponse,
  SendTestAlertResponse,
  type AlertServiceServer,
  type DeadDelivery,
} from '@kubeguard/contracts';
import { AppError } from '@kubeguard/errors';
import { unary } from '@kubeguard/grpc';
import type { Logger } from '@kubeguard/log';
import type { OutboxItem } from '@kubeguard/storage-mongo';

import type { AlertChange } from '../sinks/sink.js';
import type { DeliveryAdmin } from './delivery-admin.js';

/** The AlertService RPCs that administer delivery. */
export type DeliveryRpcs = Pick<
  AlertServiceServer,
  'listSinks' | 'sendTestAlert' | 'listDeadDeliveries' | 'replayDeadDeliveries'
>;

/**
 * Binds the delivery RPCs to `admin`; without one (a server that only
 * serves alerts) they fail with FAILED_PRECONDITION saying so.
 */
export function createDeliveryRpcs(
  admin: DeliveryAdmin | undefined,
  log: Logger,
): DeliveryRpcs {
  const adminOrFail = (): DeliveryAdmin => {
    if (admin === undefined) {
      throw new AppError(
        'FAILED_PRECONDITION',
        'this server does not deliver alerts: call the notifier',
      );
    }
    return admin;
  };
  return {
    listSinks: unary(log, () =>
      ListSinksResponse.create({ sinks: adminOrFail().listSinks() }),
    ),

    sendTestAlert: unary(log, async request =>
      SendTestAlertResponse.create(
        await adminOrFail().sendTestAlert(request.sinkId),
      ),
    ),

    listDeadDeliveries: unary(log, async request => {
      const dead = await adminOrFail().listDeadDeliveries({
        ...(request.sinkId === '' ? {} : { sinkId: request.sinkId }),
        // 0 is proto3's "not set": the default page.
        ...(request.limit === 0 ? {} : { limit: request.limit }),
      });
      return ListDeadDeliveriesResponse.create({
        deliveries: dead.map(deadDelivery),
      });
    }),

    replayDeadDeliveries: unary(log, async request =>
      ReplayDeadDeliveriesResponse.create({
        replayed: await adminOrFail().replayDeadDeliveries({
          ...(request.sinkId === '' ? {} : { sinkId: request.sinkId }),
          ids: request.ids,
        }),
      }),
    ),
  };
}

function deadDelivery(item: OutboxItem<AlertChange>): DeadDelivery {
  return {
    id: item.id,
    sinkId: item.sinkId,
    change: item.change,
    attempts: item.attempts,
    lastError: item.lastError,
    deadAt: item.deadAt,
    createdAt: item.createdAt,
    alert: item.alert,
  };
}
