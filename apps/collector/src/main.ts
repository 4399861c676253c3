import { IngestServiceService } from '@kubeguard/contracts';
import { startGrpcServer } from '@kubeguard/grpc';
import { Counter } from '@kubeguard/metrics';
import { bootService, runMain } from '@kubeguard/service';

import { loadConfig } from './config.js';
import { startFileTailers } from './file-tailer.js';
import { createIngestService } from './ingest-service.js';
import { createRawStore } from './raw-store.js';
import { loadWebhookSecurity } from './webhook-auth.js';
import { startWebhookServer } from './webhook-server.js';

runMain('collector', async () => {
  const config = loadConfig();
  // Read certificates and tokens before connecting, so a bad file stops the
  // start with a message naming its variable.
  const security = loadWebhookSecurity(config);
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
    auth: security.auth,
    ...(security.tls === undefined ? {} : { tls: security.tls }),
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

  if (config.FILE_PATHS.length > 0) {
    const files = startFileTailers(config.FILE_PATHS, {
      store,
      offsets: bus.keyValue(config.FILE_OFFSETS_BUCKET),
      log: log.child({ component: 'files' }),
      pollMs: config.FILE_POLL_MS,
      batchMs: config.FILE_BATCH_MS,
      limits: {
        maxLines: config.FILE_BATCH_LINES,
        maxBytes: Math.min(config.FILE_BATCH_BYTES, config.MAX_BATCH_BYTES),
      },
      maxLineBytes: config.MAX_BATCH_BYTES,
      deadLetter: input => bus.deadLetter(input),
      lines: new Counter({
        name: 'kubeguard_collector_file_lines_total',
        help: 'Audit log file lines by result (stored, skipped)',
        labelNames: ['result'],
        registers: [metrics.registry],
      }),
    });
    life.onStop('files', () => files.stop());
  }

  log.info('ready', {
    webhook: `${webhook.scheme}://${config.LISTEN_HOST}:${String(webhook.port)}/`,
    webhookAuth: {
      tokens: security.auth.tokens.length,
      clientCertificates: security.auth.clientCertificates,
      unauthenticated: security.auth.allowUnauthenticated,
    },
    files: config.FILE_PATHS,
    grpcPort: grpc.port,
    httpPort,
    cluster: config.CLUSTER_NAME,
  });
  return life.stopped;
});
