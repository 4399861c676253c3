import { isRejection, normalizeK8sEvent } from '@kubeguard/audit';
import type { AuditEvent } from '@kubeguard/contracts';

import type { CompiledPack, CompiledRule } from './compile/compile-pack.js';
import { createEngine, type StatefulEvaluator } from './engine.js';

/**
 * Fields every example event starts from, so an example states only what
 * matters to its rule: an authenticated human whose request was allowed.
 */
export const EXAMPLE_DEFAULTS: Readonly<Record<string, unknown>> = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'RequestResponse',
  stage: 'ResponseComplete',
  verb: 'get',
  requestURI: '/api/v1/namespaces/default/pods',
  user: { username: 'alice@example.com', groups: ['system:authenticated'] },
  sourceIPs: ['10.0.0.10'],
  userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
  responseStatus: { code: 200 },
  annotations: {
    'authorization.k8s.io/decision': 'allow',
    'authorization.k8s.io/reason': '',
  },
  requestReceivedTimestamp: '2026-11-20T09:00:00.000000Z',
  stageTimestamp: '2026-11-20T09:00:00.100000Z',
};

/** The outcome of one example. */
export interface ExampleResult {
  ruleId: string;
  file: string;
  kind: 'fire' | 'quiet';
  name: string;
  passed: boolean;
  /** Why it failed, for a person. */
  problem?: string;
}

/**
 * Runs every example of every rule (or of the rules named): a `fire` example
 * must raise at least one detection of its rule, a `quiet` one none. Each
 * example gets a fresh stateful evaluator from `stateful`, so windows and
 * sequences start empty.
 */
export function runExamples(
  pack: CompiledPack,
  options: {
    ruleIds?: readonly string[];
    stateful?: () => StatefulEvaluator;
  } = {},
): ExampleResult[] {
  const results: ExampleResult[] = [];
  for (const rule of pack.rules) {
    if (options.ruleIds && !options.ruleIds.includes(rule.doc.id)) {
      continue;
    }
    for (const kind of ['fire', 'quiet'] as const) {
      for (const [i, example] of rule.doc.examples[kind].entries()) {
        results.push(
          runExample(pack, rule, kind, i, example, options.stateful),
        );
      }
    }
  }
  return results;
}

function runExample(
  pack: CompiledPack,
  rule: CompiledRule,
  kind: 'fire' | 'quiet',
  index: number,
  example: {
    name: string;
    event?: Record<string, unknown> | undefined;
    events?: Record<string, unknown>[] | undefined;
  },
  stateful: (() => StatefulEvaluator) | undefined,
): ExampleResult {
  const base = {
    ruleId: rule.doc.id,
    file: rule.file,
    kind,
    name: example.name,
  };
  const raws = example.events ?? (example.event ? [example.event] : []);
  const events: AuditEvent[] = [];
  for (const [i, raw] of raws.entries()) {
    const normalized = normalizeK8sEvent(
      {
        ...EXAMPLE_DEFAULTS,
        auditID: `example-${rule.doc.id}-${kind}-${String(index)}-${String(i)}`,
        ...raw,
      },
      { cluster: 'example', rawBatchId: 'examples', index: i },
    );
    if (isRejection(normalized)) {
      return {
        ...base,
        passed: false,
        problem: `event ${String(i)} does not normalize: ${normalized.detail}`,
      };
    }
    events.push(normalized);
  }
  const errors: string[] = [];
  const engine = createEngine({
    pack: { ...pack, rules: [rule] },
    detector: 'rule-tester',
    ...(stateful ? { stateful: stateful() } : {}),
    onError: (_rule, err) =>
      errors.push(err instanceof Error ? err.message : String(err)),
  });
  let fired = 0;
  for (const [i, event] of events.entries()) {
    // Stateful examples are spaced a second apart, in order.
    fired += engine.evaluate(
      event,
      new Date(Date.UTC(2026, 10, 20, 9, 0, i)),
    ).length;
  }
  const passed = kind === 'fire' ? fired > 0 : fired === 0;
  if (passed) {
    return { ...base, passed };
  }
  const why =
    kind === 'fire' ? 'did not fire' : `fired ${String(fired)} time(s)`;
  return {
    ...base,
    passed,
    problem:
      errors.length > 0 ? `${why}; evaluation error: ${errors[0] ?? ''}` : why,
  };
}
