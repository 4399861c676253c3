import { describe, expect, it } from 'vitest';

import {
  BUILTIN_PACK_DIR,
  createStatefulEvaluator,
  loadPacks,
  runExamples,
} from '../src/index.js';

const pack = loadPacks([BUILTIN_PACK_DIR]);
// Every example runs with a fresh stateful evaluator, so windows and sequences start empty.
const results = runExamples(pack, {
  stateful: () => createStatefulEvaluator(),
});

describe('the built-in pack', () => {
  it('loads every rule file with the metadata an alert needs', () => {
    expect(pack.rules.length).toBeGreaterThan(0);
    for (const rule of pack.rules) {
      expect(rule.doc.description.length, rule.doc.id).toBeGreaterThan(40);
      expect(rule.doc.mitre.tactics.length, rule.doc.id).toBeGreaterThan(0);
      expect(rule.doc.mitre.techniques.length, rule.doc.id).toBeGreaterThan(0);
      expect(rule.doc.remediation.length, rule.doc.id).toBeGreaterThan(0);
      expect(rule.doc.examples.fire.length, rule.doc.id).toBeGreaterThan(0);
      expect(rule.doc.examples.quiet.length, rule.doc.id).toBeGreaterThan(0);
    }
  });

  it('has unique alert types per rule id and ids unique across the pack', () => {
    const ids = pack.rules.map(r => r.doc.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(results.map(r => [`${r.ruleId}: ${r.kind} "${r.name}"`, r] as const))(
    '%s',
    (_label, result) => {
      expect(result.problem ?? 'passed').toBe('passed');
    },
  );
});
