import { connectBus } from '@kubeguard/bus';
import { AuditEventBatch, RuleServiceService } from '@kubeguard/contracts';
import { errorMessage } from '@kubeguard/errors';
import { startGrpcServer } from '@kubeguard/grpc';
import { createLifecycle } from '@kubeguard/lifecycle';
import { createLogger } from '@kubeguard/log';
import { Counter, createMetrics } from '@kubeguard/metrics';
import { startProbeServer } from '@kubeguard/probes';
import { builtinRules, createEngine } from '@kubeguard/rules';

import { loadConfig } from './config.js';
import { createEventsHandler } from './events-handler.js';
import { createRuleService } from './rule-service.js';

/** Starts the detector; resolves with the exit code once it has stopped. */
async function main(): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ service: 'detector', level: config.LOG_LEVEL });
  const life = createLifecycle({ log, forceMs: config.SHUTDOWN_FORCE_MS });
  const metrics = createMetrics('detector');
  const engine = createEngine({
    rules: builtinRules,
    detector: 'kubeguard-detector',
  });

  const bus = await connectBus({
    url: config.NATS_URL,
    service: 'detector',
    log: log.child({ component: 'bus' }),
    metrics,
    streams: ['AUDIT_EVENTS', 'DETECTIONS', 'DEAD_LETTER'],
  });
  life.onStop('bus', () => bus.close());

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
    services: [[RuleServiceService, createRuleService(engine, log)]],
  });
  life.onStop('grpc', () => grpc.close());

  const registers = [metrics.registry];
  const consumer = await bus.consume({
    stream: 'AUDIT_EVENTS',
    durable: 'detector',
    codec: AuditEventBatch,
    handler: createEventsHandler(bus, engine, {
      events: new Counter({
        name: 'kubeguard_detector_events_total',
        help: 'Normalized events evaluated',
        registers,
      }),
      detections: new Counter({
        name: 'kubeguard_detector_detections_total',
        help: 'Detections published, by rule',
        labelNames: ['rule'],
        registers,
      }),
    }),
  });
  life.onStop('consumer', () => consumer.stop());

  log.info('ready', {
    grpcPort: grpc.port,
    httpPort: probes.port,
    rules: engine.rules.length,
  });
  return life.stopped;
}

main().then(
  code => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`detector: cannot start: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
