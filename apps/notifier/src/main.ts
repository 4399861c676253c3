import { AlertServiceService, Detection } from '@kubeguard/contracts';
import { startGrpcServer } from '@kubeguard/grpc';
import { Counter } from '@kubeguard/metrics';
import { bootService, runMain } from '@kubeguard/service';
import { connectMongoAlertStore } from '@kubeguard/storage-mongo';

import { createAlertService } from './alert-service.js';
import { loadConfig } from './config.js';
import { createDetectionsHandler } from './detections-handler.js';

runMain('notifier', async () => {
  const config = loadConfig();
  const { log, life, metrics, bus, checks, httpPort } = await bootService({
    service: 'notifier',
    config,
    streams: ['DETECTIONS', 'DEAD_LETTER'],
  });
  const store = await connectMongoAlertStore({ url: config.MONGO_URL });
  life.onStop('mongo', () => store.close());
  checks['mongo'] = () => store.ping();

  const grpc = await startGrpcServer({
    host: config.LISTEN_HOST,
    port: config.GRPC_PORT,
    log: log.child({ component: 'grpc' }),
    services: [[AlertServiceService, createAlertService(store, log)]],
  });
  life.onStop('grpc', () => grpc.close());

  // Registered last so it stops first: in-flight writes finish before Mongo closes.
  const consumer = await bus.consume({
    stream: 'DETECTIONS',
    durable: 'notifier',
    codec: Detection,
    handler: createDetectionsHandler(
      store,
      new Counter({
        name: 'kubeguard_notifier_alerts_total',
        help: 'Detections stored, by result (created, repeat)',
        labelNames: ['result'],
        registers: [metrics.registry],
      }),
    ),
  });
  life.onStop('consumer', () => consumer.stop());

  log.info('ready', { grpcPort: grpc.port, httpPort });
  return life.stopped;
});
