import { readFileSync } from 'node:fs';

import { partitionOf } from '@kubeguard/audit';
import { RawBatch } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import { normalizeBatch } from '../src/normalize-batch.js';

const eventList = readFileSync(
  new URL(
    '../../../fixtures/k8s-audit/eventlist-anonymous-and-ordinary.json',
    import.meta.url,
  ),
  'utf8',
);

/** mallory binds shop's cart service account to edit. */
const grant = readFileSync(
  new URL(
    '../../../fixtures/k8s-audit/rolebinding-to-service-account.json',
    import.meta.url,
  ),
  'utf8',
);

const batch = (body: string): RawBatch =>
  RawBatch.fromPartial({
    batchId: 'raw-1',
    cluster: 'prod',
    body: Buffer.from(body),
  });

describe('normalizeBatch', () => {
  it('normalizes every event of an EventList and groups them by actor partition', () => {
    const result = normalizeBatch(batch(eventList), 1);
    expect(result.rejected).toEqual([]);
    expect(result.skipped).toBe(0);
    expect(
      result.partitions
        .get(0)
        ?.map(e => [e.auditId, e.cluster, e.origin?.index]),
    ).toEqual([
      ['6f1c5f8e-2f4b-4bb0-9f57-0a3f1f2b7d01', 'prod', 0],
      ['0c9a7d4e-81b3-4c5e-a3c2-5b8e2d6f9a12', 'prod', 1],
    ]);
  });

  it('skips RequestReceived stages and repeats of the same audit ID and stage', () => {
    const list = JSON.parse(eventList) as { items: Record<string, unknown>[] };
    const first = list.items[0] ?? {};
    list.items.push({ ...first }, { ...first, stage: 'RequestReceived' });
    const result = normalizeBatch(batch(JSON.stringify(list)), 4);
    expect([...result.partitions.values()].flat()).toHaveLength(2);
    expect(result.skipped).toBe(2);
  });

  it('keeps good records and rejects bad ones with their bytes and reason', () => {
    const lines = [
      JSON.stringify({
        auditID: 'ok-1',
        verb: 'get',
        stage: 'ResponseComplete',
      }),
      '{"auditID": "broken',
      JSON.stringify({ verb: 'get' }),
    ].join('\n');
    const result = normalizeBatch(batch(lines), 2);
    expect([...result.partitions.values()].flat().map(e => e.auditId)).toEqual([
      'ok-1',
    ]);
    expect(
      result.rejected.map(r => [r.index, r.rejection.reason, r.raw.toString()]),
    ).toEqual([
      [1, 'NOT_JSON', '{"auditID": "broken'],
      [2, 'NOT_AUDIT_EVENT', '{"verb":"get"}'],
    ]);
  });

  it("also sends a binding, marked as a copy, to its subject's partition", () => {
    const result = normalizeBatch(batch(grant), 16);
    const caller = partitionOf('prod', 'mallory@example.com', 16);
    const grantee = partitionOf('prod', 'system:serviceaccount:shop:cart', 16);
    expect(caller).not.toBe(grantee);
    expect(
      [...result.partitions].map(([p, events]) => [
        p,
        events.map(e => [e.auditId, e.partitionCopy]),
      ]),
    ).toEqual([
      [caller, [['grant-1', false]]],
      [grantee, [['grant-1', true]]],
    ]);
  });
});
