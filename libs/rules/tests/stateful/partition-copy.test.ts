import { placementOf } from '@kubeguard/audit';
import type { AuditEvent, Detection } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  BUILTIN_PACK_DIR,
  createEngine,
  createStatefulEvaluator,
  eventTimeMs,
  loadPacks,
} from '../../src/index.js';

import { normalizeAll } from './replay.js';

const pack = loadPacks([BUILTIN_PACK_DIR]);
const SEQUENCE = 'binding-then-exec-and-secret-read';

/** One detector partition: the whole pack with its own state. */
function partition(): (event: AuditEvent) => Detection[] {
  const engine = createEngine({
    pack,
    detector: 'test',
    stateful: createStatefulEvaluator(),
  });
  return event =>
    engine.evaluate(event, new Date(eventTimeMs(event, new Date())));
}

/** mallory binds shop's cart service account to edit; cart execs, then reads a Secret. */
function story(): { grant: AuditEvent; exec: AuditEvent; read: AuditEvent } {
  const rule = pack.rules.find(r => r.doc.id === SEQUENCE);
  const [grant, exec, read] = normalizeAll(
    rule?.doc.examples.fire[0]?.events ?? [],
  );
  if (!grant || !exec || !read) {
    throw new Error(`the first example of ${SEQUENCE} has three events`);
  }
  return { grant, exec, read };
}

describe('partition copies', () => {
  it("complete a grant-then-use sequence in the grantee's partition, where the grantor's own partition cannot", () => {
    const { grant, exec, read } = story();
    const placement = placementOf(grant, 16);
    // The case that matters: grantor and grantee live in different partitions.
    expect(placement.copies).toEqual([placementOf(exec, 16).partition]);

    const grantor = partition();
    const grantee = partition();
    const grantorFound = grantor(grant);
    const copyFound = grantee({ ...grant, partitionCopy: true });
    const found = [...grantee(exec), ...grantee(read)];

    expect(found.filter(d => d.ruleId === SEQUENCE)).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({
          username: 'system:serviceaccount:shop:cart',
        }) as unknown,
        evidence: expect.objectContaining({
          auditIds: ['e-0', 'e-1', 'e-2'],
        }) as unknown,
      }),
    ]);
    // Single-event rules fire on the original grant only, never on its copy.
    expect(grantorFound.length).toBeGreaterThan(0);
    expect(copyFound).toEqual([]);
  });
});
