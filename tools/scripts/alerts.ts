/**
 * A small client of the notifier's gRPC AlertService:
 *
 *   npm run alerts [-- list] [--json] [--cluster NAME] [--rule ID]
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
  AlertServiceClient,
  alertStatusToJSON,
  DeadDelivery,
  ListAlertsRequest,
  severityToJSON,
} from '@kubeguard/contracts';
import { callUnary, type UnaryMethod } from '@kubeguard/grpc';

const USAGE =
  'usage: npm run alerts -- [list | sinks | test-sink SINK_ID | dead | replay] [options]\n';

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

async function run(command: string): Promise<number> {
  switch (command) {
    case 'list':
      await list();
      return 0;
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
