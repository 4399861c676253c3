import { AuditEventBatch, RuleServiceService } from '@kubeguard/contracts';
import { startGrpcServer } from '@kubeguard/grpc';
import { Counter } from '@kubeguard/metrics';
import { builtinRules, createEngine } from '@kubeguard/rules';
import { bootService, runMain } from '@kubeguard/service';

import { loadConfig } from './config.js';
import { createEventsHandler } from './events-handler.js';
import { createRuleService } from './rule-service.js';

runMain('detector', async () => {
  const config = loadConfig();
  const { log, life, metrics, bus, httpPort } = await bootService({
    service: 'detector',
    config,
    streams: ['AUDIT_EVENTS', 'DETECTIONS', 'DEAD_LETTER'],
  });
  const engine = createEngine({
    rules: builtinRules,
    detector: 'kubeguard-detector',
  });

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
    httpPort,
    rules: engine.rules.length,
  });
  return life.stopped;
});
