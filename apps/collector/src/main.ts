import { connectBus } from '@kubeguard/bus';
import { IngestServiceService } from '@kubeguard/contracts';
import { errorMessage } from '@kubeguard/errors';
import { startGrpcServer } from '@kubeguard/grpc';
import { createLifecycle } from '@kubeguard/lifecycle';
import { createLogger } from '@kubeguard/log';
import { Counter, createMetrics } from '@kubeguard/metrics';
import { startProbeServer } from '@kubeguard/probes';

import { loadConfig } from './config.js';
import { createIngestService } from './ingest-service.js';
import { createRawStore } from './raw-store.js';
import { startWebhookServer } from './webhook-server.js';

/** Starts the collector; resolves with the exit code once it has stopped. */
async function main(): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ service: 'collector', level: config.LOG_LEVEL });
  const life = createLifecycle({ log, forceMs: config.SHUTDOWN_FORCE_MS });
  const metrics = createMetrics('collector');

  const bus = await connectBus({
    url: config.NATS_URL,
    service: 'collector',
    log: log.child({ component: 'bus' }),
    metrics,
    streams: ['AUDIT_RAW', 'AUDIT_EVENTS', 'DETECTIONS', 'DEAD_LETTER'],
  });
  life.onStop('bus', () => bus.close());
  const store = createRawStore(bus, config.CLUSTER_NAME);

  const probes = await startProbeServer({
    host: config.LISTEN_HOST,
    port: config.HTTP_PORT,
    registry: metrics.registry,
    checks: {
      nats: () => bus.isConnected(),
      running: () => !life.isStopping(),
    },
    log,
  });
  life.onStop('probes', () => probes.close());

  const grpc = await startGrpcServer({
    host: config.LISTEN_HOST,
    port: config.GRPC_PORT,
    log: log.child({ component: 'grpc' }),
    services: [
      [
        IngestServiceService,
        createIngestService(store, config.MAX_BATCH_BYTES, log),
      ],
    ],
  });
  life.onStop('grpc', () => grpc.close());

  const webhook = await startWebhookServer({
    host: config.LISTEN_HOST,
    port: config.WEBHOOK_PORT,
    maxBatchBytes: config.MAX_BATCH_BYTES,
    store,
    log: log.child({ component: 'webhook' }),
    requests: new Counter({
      name: 'kubeguard_collector_webhook_requests_total',
      help: 'Audit webhook requests by result',
      labelNames: ['result'],
      registers: [metrics.registry],
    }),
  });
  life.onStop('webhook', () => webhook.close());

  log.info('ready', {
    webhook: `http://${config.LISTEN_HOST}:${String(webhook.port)}/`,
    grpcPort: grpc.port,
    httpPort: probes.port,
    cluster: config.CLUSTER_NAME,
  });
  return life.stopped;
}

main().then(
  code => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`collector: cannot start: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
