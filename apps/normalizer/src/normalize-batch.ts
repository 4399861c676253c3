import {
  normalizePayload,
  placementOf,
  type RejectedRecord,
} from '@kubeguard/audit';
import type { AuditEvent, RawBatch } from '@kubeguard/contracts';

/** The result of normalizing one raw batch. */
export interface NormalizedBatch {
  /** Events by partition. */
  partitions: Map<number, AuditEvent[]>;
  rejected: RejectedRecord[];
  /** Records left out on purpose (stages rules do not need, repeats). */
  skipped: number;
}

/**
 * Normalizes a raw batch and groups its events by partition (cluster and
 * actor), so one detector replica sees all of an actor's events. A binding
 * also goes, marked as a copy, to the partitions of its subjects (see
 * `placementOf`). Pure: publishing is the caller's business.
 */
export function normalizeBatch(
  batch: RawBatch,
  partitions: number,
): NormalizedBatch {
  const result = normalizePayload(batch.body, {
    cluster: batch.cluster,
    rawBatchId: batch.batchId,
  });
  const byPartition = new Map<number, AuditEvent[]>();
  const add = (partition: number, event: AuditEvent): void => {
    const events = byPartition.get(partition);
    if (events) {
      events.push(event);
    } else {
      byPartition.set(partition, [event]);
    }
  };
  for (const event of result.events) {
    const { partition, copies } = placementOf(event, partitions);
    add(partition, event);
    for (const copy of copies) {
      add(copy, { ...event, partitionCopy: true });
    }
  }
  return {
    partitions: byPartition,
    rejected: result.rejected,
    skipped: result.skipped.length,
  };
}
