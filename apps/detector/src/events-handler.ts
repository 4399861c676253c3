import type { Bus } from '@kubeguard/bus';
import {
  Detection,
  detectionSubject,
  severityToJSON,
  type AuditEventBatch,
} from '@kubeguard/contracts';
import type { Engine } from '@kubeguard/rules';
import type { Counter } from 'prom-client';

/**
 * Runs the rules over every event of a batch and publishes each detection.
 * The batch is acked only after every detection is stored; detection ids are
 * deterministic, so a redelivered batch republishes nothing new.
 */
export function createEventsHandler(
  bus: Bus,
  engine: Engine,
  counters: { events: Counter; detections: Counter<'rule'> },
): (batch: AuditEventBatch) => Promise<void> {
  return async batch => {
    const now = new Date();
    for (const event of batch.events) {
      for (const detection of engine.evaluate(event, now)) {
        const severity = severityToJSON(detection.severity)
          .replace('SEVERITY_', '')
          .toLowerCase();
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
    counters.events.inc(batch.events.length);
  };
}
