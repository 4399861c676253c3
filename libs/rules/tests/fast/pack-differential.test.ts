/**
 * Differential test of the CEL compiler on the built-in pack: every
 * expression (conditions, exception and severity-modifier `when`s, aggregate
 * expressions) evaluated by the compiled closure and by cel-js against the
 * example events of every rule, variants of them with fields removed, and the
 * benchmark's synthetic events. The outcomes must agree exactly.
 */
import { normalizePayload } from '@kubeguard/audit';
import type { AuditEvent } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  bindingCreateEvent,
  metadataEvent,
  podCreateEvent,
  seeded,
} from '../../../../tools/bench/synthetic-events.js';
import { compileCel } from '../../src/compile/cel-env.js';
import { activationOf } from '../../src/context.js';

import {
  agree,
  compileBoth,
  outcome,
  show,
  type Outcome,
  type Pair,
} from './differential.js';
import {
  builtinPack,
  normalizeExample,
  packExpressions,
  rawExamples,
  type PackExpression,
} from './pack-expressions.js';

const pack = builtinPack();
const lists = Object.fromEntries(pack.lists);
const expressions = packExpressions(pack);
const pairs = new Map<string, Pair>();
for (const e of expressions) {
  if (!pairs.has(e.text)) {
    pairs.set(e.text, compileBoth(e.text));
  }
}

const examples = rawExamples(pack);
const exampleEvents = examples
  .map(e => normalizeExample(e.id, e.raw))
  .filter((e): e is AuditEvent => e !== undefined);

/**
 * Copies of an event with one field removed somewhere (seeded), so that
 * absent keys, has() and optional chaining meet both outcomes.
 */
function withoutOneField(
  raw: Record<string, unknown>,
  rnd: () => number,
  count: number,
): Record<string, unknown>[] {
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]): void => {
    if (typeof value !== 'object' || value === null) {
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      paths.push([...path, key]);
      walk(child, [...path, key]);
    }
  };
  walk(raw, []);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count && paths.length > 0; i += 1) {
    const copy = structuredClone(raw);
    const path = paths[Math.floor(rnd() * paths.length)] ?? [];
    let parent: unknown = copy;
    for (const key of path.slice(0, -1)) {
      parent = (parent as Record<string, unknown>)[key];
    }
    const last = path.at(-1) ?? '';
    if (Array.isArray(parent)) {
      parent.splice(Number(last), 1);
    } else {
      delete (parent as Record<string, unknown>)[last];
    }
    out.push(copy);
  }
  return out;
}

const rnd = seeded(42);
const variantsByRule = new Map<string, AuditEvent[]>();
for (const example of examples) {
  const events = variantsByRule.get(example.ruleId) ?? [];
  variantsByRule.set(example.ruleId, events);
  for (const raw of withoutOneField(example.raw, rnd, 6)) {
    const event = normalizeExample(example.id, raw);
    if (event !== undefined) {
      events.push(event);
    }
  }
}

const synthetic: AuditEvent[] = normalizePayload(
  Array.from({ length: 300 }, (_, i) =>
    JSON.stringify(
      i % 3 === 0
        ? metadataEvent(rnd)
        : i % 3 === 1
          ? podCreateEvent(rnd)
          : bindingCreateEvent(rnd),
    ),
  ).join('\n'),
  { cluster: 'bench', rawBatchId: 'bench' },
).events;

interface Mismatch {
  expression: PackExpression;
  event: string;
  fast: string;
  celjs: string;
}

/** Evaluates expressions on events both ways; returns disagreements and counts. */
function compare(
  exprs: readonly PackExpression[],
  events: readonly AuditEvent[],
): { mismatches: Mismatch[]; values: number; errors: number } {
  const mismatches: Mismatch[] = [];
  let values = 0;
  let errors = 0;
  for (const event of events) {
    // One activation per event, shared as the engine shares it between rules.
    const activation = activationOf(event, lists);
    for (const expression of exprs) {
      const pair = pairs.get(expression.text);
      if (pair?.fast === undefined) {
        continue;
      }
      const fast: Outcome = outcome(pair.fast, activation);
      const celjs = outcome(pair.celjs, activation);
      if (celjs.kind === 'value') {
        values += 1;
      } else {
        errors += 1;
      }
      if (!agree(fast, celjs)) {
        mismatches.push({
          expression,
          event: event.auditId,
          fast: show(fast),
          celjs: show(celjs),
        });
      }
    }
  }
  return { mismatches, values, errors };
}

const report = (mismatches: readonly Mismatch[]): string[] =>
  mismatches
    .slice(0, 20)
    .map(
      m =>
        `${m.expression.ruleId} ${m.expression.field} on ${m.event}: fast ${m.fast}, cel-js ${m.celjs}`,
    );

describe('compiled CEL agrees with cel-js on the built-in pack', () => {
  it('compiles every expression of the pack', () => {
    const fallbacks = [...pairs.values()]
      .filter(p => p.fast === undefined)
      .map(p => `${p.unsupported.join(', ')}: ${p.text}`);
    expect(fallbacks).toEqual([]);
    expect(expressions.length).toBeGreaterThan(300);
  });

  it('on every example event of every rule', () => {
    expect(exampleEvents.length).toBeGreaterThan(300);
    const { mismatches, values, errors } = compare(expressions, exampleEvents);
    expect(report(mismatches)).toEqual([]);
    // Both outcomes occur: the comparison covers errors, not only values.
    expect(values).toBeGreaterThan(10_000);
    expect(errors).toBeGreaterThan(1_000);
  });

  it("on each rule's examples with one field removed", () => {
    const mismatches: Mismatch[] = [];
    let count = 0;
    for (const [ruleId, events] of variantsByRule) {
      const own = expressions.filter(e => e.ruleId === ruleId);
      const result = compare(own, events);
      mismatches.push(...result.mismatches);
      count += result.values + result.errors;
    }
    expect(report(mismatches)).toEqual([]);
    expect(count).toBeGreaterThan(10_000);
  });

  it('on the synthetic benchmark events', () => {
    const { mismatches, values } = compare(expressions, synthetic);
    expect(report(mismatches)).toEqual([]);
    expect(values).toBeGreaterThan(10_000);
  });

  it('compileCel returns the compiled closure, with the same results', () => {
    const activation = activationOf(synthetic[1] as AuditEvent, lists);
    for (const pair of pairs.values()) {
      const program = compileCel(pair.text);
      expect(
        agree(outcome(program, activation), outcome(pair.celjs, activation)),
        pair.text,
      ).toBe(true);
    }
  });
});
