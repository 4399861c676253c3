import { RuleServiceService } from '@kubeguard/contracts';
import { startGrpcServer } from '@kubeguard/grpc';
import { Counter, Gauge } from '@kubeguard/metrics';
import { BUILTIN_PACK_DIR, createStatefulEvaluator } from '@kubeguard/rules';
import { bootService, runMain } from '@kubeguard/service';

import { loadConfig, ownedPartitions } from './config.js';
import { startPartitionWorker } from './partition-worker.js';
import { createRuleSet } from './rule-set.js';
import { createRuleService } from './rule-service.js';

runMain('detector', async () => {
  const config = loadConfig();
  const partitions = ownedPartitions(
    config.DETECTOR_PARTITIONS,
    config.PARTITIONS,
  );
  const { log, life, metrics, bus, httpPort } = await bootService({
    service: 'detector',
    config,
    streams: ['AUDIT_EVENTS', 'DETECTIONS', 'DEAD_LETTER'],
  });
  const registers = [metrics.registry];
  const rulesLoaded = new Gauge({
    name: 'kubeguard_detector_rules_loaded',
    help: 'Rules in force',
    registers,
  });
  const reloads = new Counter({
    name: 'kubeguard_detector_rule_reloads_total',
    help: 'Rule reloads by result (ok, error)',
    labelNames: ['result'],
    registers,
  });
  const ruleSet = createRuleSet({
    dirs: [BUILTIN_PACK_DIR, ...config.RULES_DIRS.split(',').filter(Boolean)],
    reloadMs: config.RULES_RELOAD_MS,
    log: log.child({ component: 'rules' }),
    onReload: (result, rules) => {
      reloads.inc({ result });
      rulesLoaded.set(rules);
    },
  });
  rulesLoaded.set(ruleSet.current().rules.length);
  life.onStop('rules', () => ruleSet.close());

  const grpc = await startGrpcServer({
    host: config.LISTEN_HOST,
    port: config.GRPC_PORT,
    log: log.child({ component: 'grpc' }),
    services: [[RuleServiceService, createRuleService(ruleSet, log)]],
  });
  life.onStop('grpc', () => grpc.close());

  const counters = {
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
    ruleErrors: new Counter({
      name: 'kubeguard_detector_rule_errors_total',
      help: 'Rule expressions that failed on an event (the rule did not fire), by rule',
      labelNames: ['rule'],
      registers,
    }),
  };
  const state = bus.keyValue(config.STATE_BUCKET);
  for (const partition of partitions) {
    const consumer = await startPartitionWorker({
      partition,
      bus,
      ruleSet,
      evaluator: createStatefulEvaluator({
        newTermLearningMs: config.NEW_TERM_LEARNING_MS,
      }),
      state,
      detector: 'kubeguard-detector',
      counters,
      log,
    });
    life.onStop(`partition-${String(partition)}`, () => consumer.stop());
  }

  log.info('ready', {
    grpcPort: grpc.port,
    httpPort,
    rules: ruleSet.current().rules.length,
    partitions,
  });
  return life.stopped;
});
