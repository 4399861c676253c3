import type { Bus, KeyValue, RunningConsumer } from '@kubeguard/bus';
import {
  AuditEventBatch,
  Detection,
  detectionSubject,
  eventPartitionFilter,
  Severity,
} from '@kubeguard/contracts';
import type { Logger } from '@kubeguard/log';
import {
  createEngine,
  type CompiledPack,
  type Engine,
  type PersistentStatefulEvaluator,
} from '@kubeguard/rules';
import type { Counter } from 'prom-client';

import type { RuleSet } from './rule-set.js';

/** Instruments the worker updates. */
export interface WorkerCounters {
  events: Counter;
  detections: Counter<'rule'>;
  ruleErrors: Counter<'rule'>;
}

/**
 * Evaluates one partition: restores its stateful windows, then consumes its
 * event batches. For each batch it publishes every detection (ids are
 * deterministic, so a redelivered batch republishes nothing new) and saves the
 * changed windows before the batch is acked.
 */
export async function startPartitionWorker(deps: {
  partition: number;
  bus: Bus;
  ruleSet: RuleSet;
  evaluator: PersistentStatefulEvaluator;
  state: KeyValue;
  detector: string;
  counters: WorkerCounters;
  log: Logger;
}): Promise<RunningConsumer> {
  const { partition, bus, evaluator, state, counters } = deps;
  const prefix = `p${String(partition)}.`;
  const saved = await state.entries(`${prefix}>`);
  evaluator.restore(
    saved.map(({ key, value }) => ({ key: key.slice(prefix.length), value })),
  );

  let engine: Engine | undefined;
  let enginePack: CompiledPack | undefined;
  const engineFor = (pack: CompiledPack): Engine => {
    if (!engine || enginePack !== pack) {
      enginePack = pack;
      engine = createEngine({
        pack,
        detector: deps.detector,
        stateful: evaluator,
        onError: rule => counters.ruleErrors.inc({ rule: rule.doc.id }),
      });
    }
    return engine;
  };

  return bus.consume({
    stream: 'AUDIT_EVENTS',
    durable: `detector-p${String(partition)}`,
    filterSubject: eventPartitionFilter(partition),
    codec: AuditEventBatch,
    handler: async batch => {
      // One pack for the whole batch: a reload takes effect at the next one.
      const current = engineFor(deps.ruleSet.current());
      const now = new Date();
      for (const event of batch.events) {
        for (const detection of current.evaluate(event, now)) {
          const severity = (
            Severity[detection.severity] ?? 'UNSPECIFIED'
          ).toLowerCase();
          await bus.publish(
            detectionSubject(severity, detection.ruleId),
            Detection,
            detection,
            {
              msgId: detection.detectionId,
            },
          );
          counters.detections.inc({ rule: detection.ruleId });
        }
      }
      for (const change of evaluator.takeChanges()) {
        if (change.value === undefined) {
          await state.delete(`${prefix}${change.key}`);
        } else {
          await state.put(`${prefix}${change.key}`, change.value);
        }
      }
      counters.events.inc(batch.events.length);
    },
  });
}
