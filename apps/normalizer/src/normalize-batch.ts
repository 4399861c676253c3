import {
  isRejection,
  normalizeK8sEvent,
  partitionOf,
  splitPayload,
  type Rejection,
} from '@kubeguard/audit';
import type { AuditEvent, RawBatch } from '@kubeguard/contracts';

/** A record of a raw batch that could not be normalized. */
export interface RejectedRecord {
  index: number;
  rejection: Rejection;
  /** The record's own bytes, kept for the dead letter. */
  raw: Buffer;
}

/** The result of normalizing one raw batch. */
export interface NormalizedBatch {
  /** Events by partition. */
  partitions: Map<number, AuditEvent[]>;
  rejected: RejectedRecord[];
  /** Records skipped on purpose (the RequestReceived stage repeats ResponseComplete). */
  skipped: number;
}

/**
 * Splits a raw batch into records, normalizes each, and groups the events by
 * partition. Pure: publishing is the caller's business.
 */
export function normalizeBatch(
  batch: RawBatch,
  partitions: number,
): NormalizedBatch {
  const result: NormalizedBatch = {
    partitions: new Map(),
    rejected: [],
    skipped: 0,
  };
  const seen = new Set<string>();
  for (const record of splitPayload(batch.body.toString('utf8'))) {
    if ('rejection' in record) {
      result.rejected.push({
        index: record.index,
        rejection: record.rejection,
        raw: Buffer.from(record.raw),
      });
      continue;
    }
    const event = normalizeK8sEvent(record.value, {
      cluster: batch.cluster,
      rawBatchId: batch.batchId,
      index: record.index,
    });
    if (isRejection(event)) {
      result.rejected.push({
        index: record.index,
        rejection: event,
        raw: Buffer.from(JSON.stringify(record.value) ?? ''),
      });
      continue;
    }
    // RequestReceived carries nothing ResponseComplete does not, and a batch
    // may repeat an event: both would only double the work downstream.
    const key = `${event.auditId}\u0000${event.stage}`;
    if (event.stage === 'RequestReceived' || seen.has(key)) {
      result.skipped += 1;
      continue;
    }
    seen.add(key);
    const partition = partitionOf(
      event.cluster,
      event.user?.username ?? '',
      partitions,
    );
    const events = result.partitions.get(partition);
    if (events) {
      events.push(event);
    } else {
      result.partitions.set(partition, [event]);
    }
  }
  return result;
}
