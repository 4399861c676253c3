import {
  GetAlertResponse,
  ListAlertsResponse,
  type AlertServiceServer,
} from '@kubeguard/contracts';
import { InvalidArgumentError, NotFoundError } from '@kubeguard/errors';
import { unary } from '@kubeguard/grpc';
import type { Logger } from '@kubeguard/log';
import type { AlertStore } from '@kubeguard/storage-mongo';

/** gRPC AlertService over the alert store. */
export function createAlertService(
  store: AlertStore,
  log: Logger,
): AlertServiceServer {
  return {
    listAlerts: unary(log, async request => {
      const page = await store.list({
        cluster: request.cluster,
        ruleId: request.ruleId,
        minSeverity: request.minSeverity,
        status: request.status,
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
  };
}
