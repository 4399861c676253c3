/**
 * Runs the whole system locally with no configuration: starts nats-server and
 * a MongoDB-wire server (unless NATS_URL / MONGO_URL point at running ones),
 * then the four services, and prints where to send audit events and where to
 * read alerts. Ctrl-C stops everything in order. Data lives in .kubeguard/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import {
  REPO_ROOT,
  startMongoServer,
  startNatsServer,
  startService,
  type ServiceProcess,
} from '@kubeguard/testing';

const env = process.env;
const dataDir = join(REPO_ROOT, '.kubeguard');
mkdirSync(dataDir, { recursive: true });
const stops: (() => Promise<unknown>)[] = [];
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function up(): Promise<void> {
  let natsUrl = env['NATS_URL'];
  if (!natsUrl) {
    const nats = await startNatsServer({ dataDir: join(dataDir, 'nats') });
    stops.push(() => nats.stop());
    natsUrl = nats.url;
    say(`started nats-server (JetStream) at ${natsUrl}`);
  }
  let mongoUrl = env['MONGO_URL'];
  if (!mongoUrl) {
    say(
      'starting a MongoDB-wire server (the first run may build FerretDB, about a minute)',
    );
    const mongo = await startMongoServer({ dataDir: join(dataDir, 'mongo') });
    stops.push(() => mongo.stop());
    mongoUrl = `${mongo.url}kubeguard`;
    say(`started ${mongo.kind} at ${mongo.url}`);
  }

  const host = env['LISTEN_HOST'] ?? '127.0.0.1';
  const common = { NATS_URL: natsUrl, LOG_LEVEL: env['LOG_LEVEL'] ?? 'info' };
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const start = async (service: Promise<ServiceProcess>): Promise<void> => {
    const running = await service;
    stops.push(() => running.stop());
  };
  // Downstream first, so nothing is published before its consumer exists.
  await start(
    startService({
      app: 'notifier',
      env: {
        ...common,
        MONGO_URL: mongoUrl,
        HTTP_PORT: '9104',
        GRPC_PORT: '50053',
      },
      log,
    }),
  );
  await start(
    startService({
      app: 'detector',
      env: { ...common, HTTP_PORT: '9103', GRPC_PORT: '50052' },
      log,
    }),
  );
  await start(
    startService({
      app: 'normalizer',
      env: { ...common, HTTP_PORT: '9102' },
      log,
    }),
  );
  await start(
    startService({
      app: 'collector',
      env: {
        ...common,
        HTTP_PORT: '9101',
        WEBHOOK_PORT: '8080',
        GRPC_PORT: '50051',
        CLUSTER_NAME: env['CLUSTER_NAME'] ?? 'default',
      },
      log,
    }),
  );

  say(`
Kubeguard is running.
  audit webhook (POST an audit.k8s.io/v1 EventList): http://${host}:8080/
  gRPC IngestService (collector):                   ${host}:50051
  gRPC RuleService (detector):                      ${host}:50052
  gRPC AlertService (notifier):                     ${host}:50053
  probes and metrics: http://${host}:9101..9104/{livez,readyz,metrics}
Try it:
  curl -sS -H 'content-type: application/json' --data-binary @fixtures/k8s-audit/eventlist-anonymous-and-ordinary.json http://${host}:8080/
  npm run alerts
Press Ctrl-C to stop.`);
}

async function down(code: number): Promise<never> {
  for (const stop of stops.reverse()) {
    await stop().catch(() => undefined);
  }
  process.exit(code);
}

process.once('SIGINT', () => void down(0));
process.once('SIGTERM', () => void down(0));
up().catch(async (err: unknown) => {
  process.stderr.write(
    `kubeguard: could not start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  await down(1);
});
