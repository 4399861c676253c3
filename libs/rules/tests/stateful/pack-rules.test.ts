import { describe, expect, it } from 'vitest';

import { BUILTIN_PACK_DIR, loadPacks } from '../../src/index.js';

import { normalizeAll, replay } from './replay.js';

const pack = loadPacks([BUILTIN_PACK_DIR]);
const stateful = pack.rules.filter(rule => rule.aggregate !== undefined);

const cases = stateful.flatMap(rule =>
  (['fire', 'quiet'] as const).flatMap(kind =>
    rule.doc.examples[kind].map(
      example =>
        [
          `${rule.doc.id}: ${kind} "${example.name}"`,
          rule,
          kind,
          example,
        ] as const,
    ),
  ),
);

describe('the stateful rules of the pack', () => {
  it('are there, each with examples of several events', () => {
    expect(stateful.length).toBeGreaterThanOrEqual(8);
    for (const rule of stateful) {
      expect(
        rule.doc.examples.fire.some(e => (e.events?.length ?? 0) > 1),
        rule.doc.id,
      ).toBe(true);
    }
  });

  it.each(cases)(
    '%s: replays without evaluation errors, the same way twice',
    (_label, rule, kind, example) => {
      const raws = example.events ?? (example.event ? [example.event] : []);
      const first = replay(pack, rule, normalizeAll(raws));
      expect(first.errors).toEqual([]);
      if (kind === 'quiet') {
        expect(first.detections).toEqual([]);
        return;
      }
      expect(first.detections.length).toBeGreaterThan(0);
      for (const detection of first.detections) {
        expect(detection.ruleId).toBe(rule.doc.id);
        expect(detection.evidence?.auditIds.length).toBeGreaterThan(0);
        expect(detection.evidence?.count).toBeGreaterThan(0);
      }
      // Later, on another clock: the same detections.
      const again = replay(pack, rule, normalizeAll(raws), {
        nowOffsetMs: 7 * 86_400_000,
      });
      expect(again.detections.map(d => [d.detectionId, d.evidence])).toEqual(
        first.detections.map(d => [d.detectionId, d.evidence]),
      );
    },
  );
});
