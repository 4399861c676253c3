/**
 * Lists stored alerts through the gRPC AlertService:
 *   npm run alerts [-- --address HOST:PORT] [--json] [--cluster NAME] [--rule ID]
 */
import { parseArgs } from 'node:util';

import { credentials } from '@grpc/grpc-js';
import {
  Alert,
  AlertServiceClient,
  alertStatusToJSON,
  ListAlertsRequest,
  severityToJSON,
  type ListAlertsResponse,
} from '@kubeguard/contracts';

const { values } = parseArgs({
  options: {
    address: { type: 'string', default: '127.0.0.1:50053' },
    json: { type: 'boolean', default: false },
    cluster: { type: 'string', default: '' },
    rule: { type: 'string', default: '' },
  },
});

const client = new AlertServiceClient(
  values.address,
  credentials.createInsecure(),
);
const request = ListAlertsRequest.fromPartial({
  cluster: values.cluster,
  ruleId: values.rule,
  pageSize: 1000,
});
client.listAlerts(
  request,
  (err: Error | null, response: ListAlertsResponse) => {
    client.close();
    if (err) {
      process.stderr.write(
        `alerts: cannot list alerts from ${values.address}: ${err.message}\n`,
      );
      process.exit(1);
    }
    for (const alert of response.alerts) {
      if (values.json) {
        process.stdout.write(`${JSON.stringify(Alert.toJSON(alert))}\n`);
      } else {
        const severity = severityToJSON(alert.severity).replace(
          'SEVERITY_',
          '',
        );
        const status = alertStatusToJSON(alert.status).replace(
          'ALERT_STATUS_',
          '',
        );
        process.stdout.write(
          `${alert.createdAt?.toISOString() ?? ''}  ${severity.padEnd(8)} ${status.padEnd(11)} ${alert.cluster}  ${alert.ruleId}  ${alert.title}  audit=${alert.evidence?.auditIds.join(',') ?? ''}\n`,
        );
      }
    }
    if (!values.json) {
      process.stdout.write(`${String(response.alerts.length)} alert(s)\n`);
    }
  },
);
