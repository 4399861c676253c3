import type { Bus } from '@kubeguard/bus';
import {
  AuditEventBatch,
  eventSubject,
  rawSubject,
  type RawBatch,
} from '@kubeguard/contracts';
import type { Counter } from 'prom-client';

import { normalizeBatch } from './normalize-batch.js';
import { eventKey, type RecentEvents } from './recent-events.js';

/**
 * Handles one raw batch: bad records go to the dead-letter stream, good ones
 * are published per partition, minus events already published from another
 * batch. It returns (and the raw batch is acked) only when all of that is
 * stored; ids are deterministic, so a redelivery after a partial failure
 * stores nothing twice.
 */
export function createRawHandler(deps: {
  bus: Bus;
  partitions: number;
  recent: RecentEvents;
  records: Counter<'outcome' | 'reason'>;
}): (batch: RawBatch) => Promise<void> {
  const { bus, recent, records } = deps;
  return async batch => {
    const result = normalizeBatch(batch, deps.partitions);
    for (const rejected of result.rejected) {
      await bus.deadLetter({
        reason: rejected.rejection.reason,
        detail: `${batch.batchId}[${String(rejected.index)}]: ${rejected.rejection.detail}`,
        subject: rawSubject(batch.cluster),
        data: rejected.raw,
        headers: {
          'kubeguard-raw-batch': batch.batchId,
          'kubeguard-cluster': batch.cluster,
        },
        msgId: `${batch.batchId}:${String(rejected.index)}`,
      });
      records.inc({ outcome: 'rejected', reason: rejected.rejection.reason });
    }
    let repeats = 0;
    for (const [partition, all] of result.partitions) {
      const events = all.filter(
        event => !recent.has(eventKey(event, partition)),
      );
      repeats += all.length - events.length;
      if (events.length === 0) {
        continue;
      }
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
      for (const event of events) {
        recent.add(eventKey(event, partition));
      }
      const copies = events.filter(event => event.partitionCopy).length;
      records.inc(
        { outcome: 'normalized', reason: '' },
        events.length - copies,
      );
      if (copies > 0) {
        records.inc({ outcome: 'copied', reason: '' }, copies);
      }
    }
    records.inc({ outcome: 'skipped', reason: 'stage' }, result.skipped);
    records.inc({ outcome: 'skipped', reason: 'repeat' }, repeats);
  };
}
