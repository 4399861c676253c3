/**
 * Every CEL expression of the built-in pack, macros expanded, as compileCel
 * receives it, with where it comes from; and the example events of every rule,
 * normalized the way the rule tester does it.
 */
import { isRejection, normalizeK8sEvent } from '@kubeguard/audit';
import type { AuditEvent } from '@kubeguard/contracts';

import { expandMacros } from '../../src/compile/macros.js';
import { BUILTIN_PACK_DIR } from '../../src/load/load-pack.js';
import { mergePacks, type MergedPack } from '../../src/load/merge.js';
import { readPackDir } from '../../src/load/read-pack.js';
import { EXAMPLE_DEFAULTS } from '../../src/rule-tester.js';

/** One expression of a rule. */
export interface PackExpression {
  readonly ruleId: string;
  /** The rule field, as compile-pack names it (`condition`, `exceptions.0.when` …). */
  readonly field: string;
  /** The expanded expression. */
  readonly text: string;
}

/** The built-in pack, merged but not compiled. */
export function builtinPack(): MergedPack {
  return mergePacks([readPackDir(BUILTIN_PACK_DIR)]);
}

/** Every CEL expression of every enabled rule, in the order compile-pack compiles them. */
export function packExpressions(pack: MergedPack): PackExpression[] {
  const out: PackExpression[] = [];
  for (const { doc } of pack.rules) {
    if (!doc.enabled) {
      continue;
    }
    const add = (field: string, text: string | undefined): void => {
      if (text !== undefined) {
        out.push({
          ruleId: doc.id,
          field,
          text: expandMacros(text, pack.macros),
        });
      }
    };
    add('condition', doc.condition);
    const exceptions = [
      ...doc.exceptions,
      ...(pack.exceptions.get(doc.id) ?? []),
    ];
    exceptions.forEach((e, i) => add(`exceptions.${String(i)}.when`, e.when));
    doc.severityModifiers.forEach((m, i) =>
      add(`severityModifiers.${String(i)}.when`, m.when),
    );
    const aggregate = doc.aggregate;
    if (aggregate !== undefined) {
      if ('groupBy' in aggregate) {
        aggregate.groupBy.forEach((g, i) =>
          add(`aggregate.groupBy.${String(i)}`, g),
        );
      }
      if (aggregate.type === 'distinct') {
        add('aggregate.distinct', aggregate.distinct);
      }
      if (aggregate.type === 'new-term') {
        add('aggregate.term', aggregate.term);
      }
      if (aggregate.type === 'sequence') {
        add('aggregate.by', aggregate.by);
        aggregate.steps.forEach((s, i) =>
          add(`aggregate.steps.${String(i)}.condition`, s.condition),
        );
      }
    }
  }
  return out;
}

/** One example event of a rule, before normalization. */
export interface RawExample {
  readonly ruleId: string;
  readonly id: string;
  readonly raw: Record<string, unknown>;
}

/** The example events of every rule, as written in the pack. */
export function rawExamples(pack: MergedPack): RawExample[] {
  const out: RawExample[] = [];
  for (const { doc } of pack.rules) {
    for (const kind of ['fire', 'quiet'] as const) {
      for (const [index, example] of doc.examples[kind].entries()) {
        const raws = example.events ?? (example.event ? [example.event] : []);
        for (const [i, raw] of raws.entries()) {
          out.push({
            ruleId: doc.id,
            id: `example-${doc.id}-${kind}-${String(index)}-${String(i)}`,
            raw,
          });
        }
      }
    }
  }
  return out;
}

/** An example event normalized as the rule tester does it; undefined when rejected. */
export function normalizeExample(
  id: string,
  raw: Record<string, unknown>,
): AuditEvent | undefined {
  const normalized = normalizeK8sEvent(
    { ...EXAMPLE_DEFAULTS, auditID: id, ...raw },
    { cluster: 'example', rawBatchId: 'examples', index: 0 },
  );
  return isRejection(normalized) ? undefined : normalized;
}
