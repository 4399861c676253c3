import { connectBus } from '@kubeguard/bus';
import { AlertServiceService, Detection } from '@kubeguard/contracts';
import { errorMessage } from '@kubeguard/errors';
import { startGrpcServer } from '@kubeguard/grpc';
import { createLifecycle } from '@kubeguard/lifecycle';
import { createLogger } from '@kubeguard/log';
import { Counter, createMetrics } from '@kubeguard/metrics';
import { startProbeServer } from '@kubeguard/probes';
import { connectMongoAlertStore } from '@kubeguard/storage-mongo';

import { createAlertService } from './alert-service.js';
import { loadConfig } from './config.js';
import { createDetectionsHandler } from './detections-handler.js';

/** Starts the notifier; resolves with the exit code once it has stopped. */
async function main(): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ service: 'notifier', level: config.LOG_LEVEL });
  const life = createLifecycle({ log, forceMs: config.SHUTDOWN_FORCE_MS });
  const metrics = createMetrics('notifier');

  // Registered first so it closes last: the consumer still writes until it stops.
  const store = await connectMongoAlertStore({ url: config.MONGO_URL });
  life.onStop('mongo', () => store.close());
  const bus = await connectBus({
    url: config.NATS_URL,
    service: 'notifier',
    log: log.child({ component: 'bus' }),
    metrics,
    streams: ['DETECTIONS', 'DEAD_LETTER'],
  });
  life.onStop('bus', () => bus.close());

  const probes = await startProbeServer({
    host: config.LISTEN_HOST,
    port: config.HTTP_PORT,
    registry: metrics.registry,
    checks: {
      nats: () => bus.isConnected(),
      mongo: () => store.ping(),
      running: () => !life.isStopping(),
    },
    log,
  });
  life.onStop('probes', () => probes.close());

  const grpc = await startGrpcServer({
    host: config.LISTEN_HOST,
    port: config.GRPC_PORT,
    log: log.child({ component: 'grpc' }),
    services: [[AlertServiceService, createAlertService(store, log)]],
  });
  life.onStop('grpc', () => grpc.close());

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

  log.info('ready', { grpcPort: grpc.port, httpPort: probes.port });
  return life.stopped;
}

main().then(
  code => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`notifier: cannot start: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
