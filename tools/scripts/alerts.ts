/**
 * A small client of the notifier's gRPC AlertService:
 *
 *   npm run alerts [-- list] [--json] [--cluster NAME] [--rule ID]
 *   npm run alerts -- stream [--cursor C] [--cluster NAME] [--rule ID]
 *                                                alert changes as they happen (JSON lines), from
 *                                                the cursor of the last one seen; Ctrl-C stops
 *   npm run alerts -- update ALERT_ID [--status new|in-progress|resolved|dismissed]
 *                    [--reason TEXT] [--assignee NAME] [--comment TEXT]
 *   npm run alerts -- sinks                      the configured sinks
 *   npm run alerts -- test-sink SINK_ID          send a test alert now (exit 1 if refused)
 *   npm run alerts -- dead [--sink ID]           dead deliveries, newest first (JSON lines)
 *   npm run alerts -- replay (--sink ID | --id ID ...)
 *
 * Every command takes --address HOST:PORT (default 127.0.0.1:50053),
 * --token TOKEN (bearer authentication) and --ca FILE (TLS with that CA).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { credentials, Metadata } from '@grpc/grpc-js';
import {
  Alert,
  AlertEvent,
  AlertServiceClient,
  AlertStatus,
  alertStatusFromJSON,
  alertStatusToJSON,
  DeadDelivery,
  ListAlertsRequest,
  severityToJSON,
  StreamAlertsRequest,
  UpdateAlertRequest,
} from '@kubeguard/contracts';
import { callUnary, type UnaryMethod } from '@kubeguard/grpc';

const USAGE =
  'usage: npm run alerts -- [list | stream | update ALERT_ID | sinks | test-sink SINK_ID | dead | replay] [options]\n';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    address: { type: 'string', default: '127.0.0.1:50053' },
    token: { type: 'string' },
    ca: { type: 'string' },
    json: { type: 'boolean', default: false },
    cluster: { type: 'string', default: '' },
    rule: { type: 'string', default: '' },
    sink: { type: 'string', default: '' },
    id: { type: 'string', multiple: true, default: [] },
    cursor: { type: 'string', default: '' },
    status: { type: 'string' },
    reason: { type: 'string', default: '' },
    assignee: { type: 'string' },
    comment: { type: 'string', default: '' },
  },
});

const client = new AlertServiceClient(
  values.address,
  values.ca === undefined
    ? credentials.createInsecure()
    : credentials.createSsl(readFileSync(values.ca)),
);
const metadata = new Metadata();
if (values.token !== undefined) {
  metadata.set('authorization', `Bearer ${values.token}`);
}

function call<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
): Promise<Res> {
  return callUnary(client, method, request, metadata);
}

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};

async function list(): Promise<void> {
  const { alerts } = await call(
    client.listAlerts,
    ListAlertsRequest.fromPartial({
      cluster: values.cluster,
      ruleId: values.rule,
      pageSize: 1000,
    }),
  );
  for (const alert of alerts) {
    if (values.json) {
      print(Alert.toJSON(alert));
      continue;
    }
    const severity = severityToJSON(alert.severity).replace('SEVERITY_', '');
    const status = alertStatusToJSON(alert.status).replace('ALERT_STATUS_', '');
    process.stdout.write(
      `${alert.createdAt?.toISOString() ?? ''}  ${severity.padEnd(8)} ${status.padEnd(11)} ${alert.cluster}  ${alert.ruleId}  ${alert.title}  audit=${alert.evidence?.auditIds.join(',') ?? ''}\n`,
    );
  }
  if (!values.json) {
    process.stdout.write(`${String(alerts.length)} alert(s)\n`);
  }
}

/** Prints alert changes until the server ends the stream or Ctrl-C. */
function stream(): Promise<number> {
  const call = client.streamAlerts(
    StreamAlertsRequest.fromPartial({
      cluster: values.cluster,
      ruleId: values.rule,
      cursor: values.cursor,
    }),
    metadata,
  );
  process.once('SIGINT', () => call.cancel());
  return new Promise((resolve, reject) => {
    call.on('data', (response: { event?: AlertEvent }) => {
      if (response.event) {
        print(AlertEvent.toJSON(response.event));
      }
    });
    call.on('end', () => resolve(0));
    call.on('error', (err: Error & { code?: number }) => {
      // 1 is CANCELLED: our own Ctrl-C.
      if (err.code === 1) {
        resolve(0);
      } else {
        reject(err);
      }
    });
  });
}

async function update(alertId: string): Promise<number> {
  let status = AlertStatus.UNSPECIFIED;
  if (values.status !== undefined) {
    status = alertStatusFromJSON(
      `ALERT_STATUS_${values.status.toUpperCase().replaceAll('-', '_')}`,
    );
    if (status === AlertStatus.UNRECOGNIZED) {
      process.stderr.write(
        `--status: expected new, in-progress, resolved or dismissed, got '${values.status}'\n`,
      );
      return 2;
    }
  }
  const { alert } = await call(
    client.updateAlert,
    UpdateAlertRequest.fromPartial({
      alertId,
      status,
      reason: values.reason,
      comment: values.comment,
      ...(values.assignee === undefined ? {} : { assignee: values.assignee }),
    }),
  );
  print(alert ? Alert.toJSON(alert) : {});
  return 0;
}

async function run(command: string): Promise<number> {
  switch (command) {
    case 'list':
      await list();
      return 0;
    case 'stream':
      return stream();
    case 'update':
      return update(positionals[1] ?? '');
    case 'sinks':
      (await call(client.listSinks, {})).sinks.forEach(print);
      return 0;
    case 'test-sink': {
      const result = await call(client.sendTestAlert, {
        sinkId: positionals[1] ?? '',
      });
      print(result);
      return result.delivered ? 0 : 1;
    }
    case 'dead': {
      const { deliveries } = await call(client.listDeadDeliveries, {
        sinkId: values.sink,
        limit: 0,
      });
      deliveries.forEach(d => print(DeadDelivery.toJSON(d)));
      return 0;
    }
    case 'replay':
      print(
        await call(client.replayDeadDeliveries, {
          sinkId: values.sink,
          ids: values.id,
        }),
      );
      return 0;
    default:
      process.stderr.write(USAGE);
      return 2;
  }
}

const command = positionals[0] ?? 'list';
run(command).then(
  code => {
    client.close();
    process.exitCode = code;
  },
  (err: unknown) => {
    client.close();
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `alerts ${command}: ${values.address} answered: ${message}\n`,
    );
    process.exitCode = 1;
  },
);
