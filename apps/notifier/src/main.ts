import { AlertServiceService, Detection } from '@kubeguard/contracts';
import { errorMessage } from '@kubeguard/errors';
import { startGrpcServer } from '@kubeguard/grpc';
import { Counter } from '@kubeguard/metrics';
import { bootService, runMain } from '@kubeguard/service';
import {
  connectMongoAlertStore,
  createMongoOutbox,
} from '@kubeguard/storage-mongo';

import { createAlertService } from './alert-service.js';
import { loadConfig, loadGrpcSecurity } from './config.js';
import {
  createAlertNotifier,
  notifyDetection,
} from './delivery/alert-notifier.js';
import { deliverySettings, withDeliveryConfig } from './delivery/config.js';
import { createDeliveryAdmin } from './delivery/delivery-admin.js';
import { createDeliveryMetrics } from './delivery/delivery-metrics.js';
import { startDelivery } from './delivery/engine.js';
import { loadSinks } from './delivery/load-sinks.js';
import { withClosureNotifications } from './delivery/notify-closures.js';
import { createDetectionsHandler } from './detections-handler.js';
import type { AlertChange } from './sinks/sink.js';

runMain('notifier', async () => {
  const config = withDeliveryConfig(loadConfig);
  // Read before connecting anything, so bad files stop the start at once.
  const security = loadGrpcSecurity(config);
  const { log, life, metrics, bus, checks, httpPort } = await bootService({
    service: 'notifier',
    config,
    streams: ['DETECTIONS', 'DEAD_LETTER'],
  });
  const store = await connectMongoAlertStore({
    url: config.MONGO_URL,
    retentionDays: config.ALERT_RETENTION_DAYS,
    changeRetentionDays: config.ALERT_CHANGE_RETENTION_DAYS,
    onMaintenanceError: err => {
      log.warn('alert store maintenance failed', { err: errorMessage(err) });
    },
  });
  life.onStop('mongo', () => store.close());
  checks['mongo'] = () => store.ping();

  // Delivery: sinks, the outbox they are fed from (sharing the store's
  // connection), one loop per sink. Stops run in reverse: the loops finish
  // their sends before the sinks and the database close.
  const sinks = await loadSinks(config.SINKS_FILE, log);
  life.onStop('sinks', async () => {
    await Promise.all(sinks.map(s => s.sink.close()));
  });
  const outbox = await createMongoOutbox<AlertChange>(store.db, {
    retentionMs: config.DELIVERY_RETENTION_HOURS * 3_600_000,
  });
  const delivery = startDelivery({
    sinks,
    outbox,
    settings: deliverySettings(config),
    metrics: createDeliveryMetrics(metrics),
    log,
  });
  life.onStop('delivery', () => delivery.stop());
  const notifier = createAlertNotifier({
    sinks: sinks.map(s => s.sink),
    outbox,
    wake: ids => delivery.wake(ids),
  });

  const streams = new AbortController();
  const grpc = await startGrpcServer({
    host: config.LISTEN_HOST,
    port: config.GRPC_PORT,
    log: log.child({ component: 'grpc' }),
    ...security,
    services: [
      [
        AlertServiceService,
        createAlertService(withClosureNotifications(store, notifier), log, {
          pollMs: config.STREAM_POLL_MS,
          signal: streams.signal,
          delivery: createDeliveryAdmin({
            sinks: sinks.map(s => s.sink),
            outbox,
            wake: ids => delivery.wake(ids),
          }),
        }),
      ],
    ],
  });
  life.onStop('grpc', () => grpc.close());
  // Stops before the server: open StreamAlerts calls end instead of holding it.
  life.onStop('streams', () => streams.abort());

  // Registered last so it stops first: in-flight writes finish before Mongo
  // closes. A detection is acked only once its alert and its notifications
  // are stored; both writes are idempotent, so a redelivery is harmless.
  const consumer = await bus.consume({
    stream: 'DETECTIONS',
    durable: 'notifier',
    codec: Detection,
    handler: createDetectionsHandler(
      store,
      new Counter({
        name: 'kubeguard_notifier_alerts_total',
        help: 'Detections stored, by what they did to their alert (created, updated, reopened, duplicate)',
        labelNames: ['result'],
        registers: [metrics.registry],
      }),
      {
        onRecorded: async result => {
          await notifyDetection(notifier, result);
        },
      },
    ),
  });
  life.onStop('consumer', () => consumer.stop());

  log.info('ready', {
    grpcPort: grpc.port,
    httpPort,
    sinks: sinks.map(s => s.sink.id),
  });
  return life.stopped;
});
