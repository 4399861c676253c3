import { IngestServiceService } from '@kubeguard/contracts';
import { startGrpcServer } from '@kubeguard/grpc';
import { Counter } from '@kubeguard/metrics';
import { bootService, runMain } from '@kubeguard/service';

import { loadConfig } from './config.js';
import { createIngestService } from './ingest-service.js';
import { createRawStore } from './raw-store.js';
import { startWebhookServer } from './webhook-server.js';

runMain('collector', async () => {
  const config = loadConfig();
  const { log, life, metrics, bus, httpPort } = await bootService({
    service: 'collector',
    config,
    streams: ['AUDIT_RAW', 'AUDIT_EVENTS', 'DETECTIONS', 'DEAD_LETTER'],
  });
  const store = createRawStore(bus, config.CLUSTER_NAME);

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
    httpPort,
    cluster: config.CLUSTER_NAME,
  });
  return life.stopped;
});
