import type { Bus } from '@kubeguard/bus';
import {
  AuditEventBatch,
  eventSubject,
  type RawBatch,
} from '@kubeguard/contracts';
import type { Counter } from 'prom-client';

import { normalizeBatch } from './normalize-batch.js';

/** Outcome label of one record; a closed set for the metric. */
export type RecordOutcome = 'normalized' | 'rejected' | 'skipped';

/**
 * Handles one raw batch: bad records go to the dead-letter stream, good ones
 * are published per partition. It returns (and the raw batch is acked) only
 * when all of that is stored; ids are deterministic, so a redelivery after a
 * partial failure stores nothing twice.
 */
export function createRawHandler(
  bus: Bus,
  partitions: number,
  records: Counter<'outcome' | 'reason'>,
): (batch: RawBatch) => Promise<void> {
  return async batch => {
    const result = normalizeBatch(batch, partitions);
    for (const rejected of result.rejected) {
      await bus.deadLetter({
        reason: rejected.rejection.reason,
        detail: `${batch.batchId}[${String(rejected.index)}]: ${rejected.rejection.detail}`,
        subject: eventSubject(batch.cluster, 0),
        data: Buffer.from(rejected.raw),
        headers: {
          'kubeguard-raw-batch': batch.batchId,
          'kubeguard-cluster': batch.cluster,
        },
        msgId: `${batch.batchId}:${String(rejected.index)}`,
      });
      records.inc({ outcome: 'rejected', reason: rejected.rejection.reason });
    }
    for (const [partition, events] of result.partitions) {
      const out = AuditEventBatch.create({
        batchId: `${batch.batchId}:${String(partition)}`,
        cluster: batch.cluster,
        partition,
        events,
      });
      await bus.publish(
        eventSubject(batch.cluster, partition),
        AuditEventBatch,
        out,
        { msgId: out.batchId },
      );
      records.inc({ outcome: 'normalized', reason: '' }, events.length);
    }
    records.inc({ outcome: 'skipped', reason: '' }, result.skipped);
  };
}
