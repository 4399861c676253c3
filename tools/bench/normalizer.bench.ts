/**
 * Normalizer throughput on one core: events/s and MB/s for Metadata (~1 KB)
 * and RequestResponse pod-create (~5 KB) events, next to plain JSON.parse of
 * the same bodies. Run with `npm run bench` (pinned to one core when taskset
 * is available).
 */
import { AuditEventBatch, RawBatch } from '@kubeguard/contracts';

import { normalizeBatch } from '../../apps/normalizer/src/normalize-batch.js';

import { fmt, measure } from './measure.js';
import { metadataEvent, podCreateEvent, seeded } from './synthetic-events.js';

const EVENTS_PER_BATCH = 400; // the kube-apiserver webhook's default batch size
const BATCHES = 50;

function batches(
  make: (rnd: () => number) => Record<string, unknown>,
  seed: number,
): RawBatch[] {
  const rnd = seeded(seed);
  return Array.from({ length: BATCHES }, (_, b) =>
    RawBatch.create({
      batchId: `bench-${String(b)}`,
      cluster: 'bench',
      body: Buffer.from(
        JSON.stringify({
          kind: 'EventList',
          apiVersion: 'audit.k8s.io/v1',
          items: Array.from({ length: EVENTS_PER_BATCH }, () => make(rnd)),
        }),
      ),
    }),
  );
}

function report(label: string, pool: RawBatch[]): void {
  const bytesPerEvent =
    pool.reduce((n, b) => n + b.body.length, 0) / (BATCHES * EVENTS_PER_BATCH);
  let i = 0;
  const parseRate = measure(() => {
    const batch = pool[i++ % pool.length] as RawBatch;
    const parsed = JSON.parse(batch.body.toString('utf8')) as {
      items: unknown[];
    };
    return parsed.items.length;
  });
  i = 0;
  let checksum = 0;
  const normalizeRate = measure(() => {
    const batch = pool[i++ % pool.length] as RawBatch;
    const result = normalizeBatch(batch, 16);
    let events = 0;
    for (const [partition, list] of result.partitions) {
      checksum += AuditEventBatch.encode({
        batchId: batch.batchId,
        cluster: batch.cluster,
        partition,
        events: list,
      }).finish().length;
      events += list.length;
    }
    return events;
  });
  const mb = (rate: number): string => fmt((rate * bytesPerEvent) / 1e6, 1);
  process.stdout.write(
    `${label.padEnd(30)} ${fmt(bytesPerEvent).padStart(6)} B/event | normalizer ${fmt(normalizeRate).padStart(8)} events/s ${mb(normalizeRate).padStart(6)} MB/s | JSON.parse ${fmt(parseRate).padStart(8)} events/s ${mb(parseRate).padStart(6)} MB/s | ratio ${fmt(normalizeRate / parseRate, 2)}\n`,
  );
  if (checksum < 0) {
    process.stdout.write('unreachable\n');
  }
}

process.stdout.write(
  `normalizer benchmark (one core, batches of ${String(EVENTS_PER_BATCH)} events, median of 5 × 1 s)\n`,
);
report('Metadata (~1 KB)', batches(metadataEvent, 1));
report('RequestResponse pod create', batches(podCreateEvent, 2));
report(
  'mix: 80 % Metadata, 20 % pods',
  batches(rnd => (rnd() < 0.2 ? podCreateEvent(rnd) : metadataEvent(rnd)), 3),
);
