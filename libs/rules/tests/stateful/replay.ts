import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isRejection, normalizeK8sEvent } from '@kubeguard/audit';
import type { AuditEvent, Detection } from '@kubeguard/contracts';

import {
  createEngine,
  createStatefulEvaluator,
  EXAMPLE_DEFAULTS,
  loadPacks,
  type CompiledPack,
  type CompiledRule,
  type PersistentStatefulEvaluator,
  type StatefulEvaluatorOptions,
} from '../../src/index.js';

/** 2026-11-20T09:00:00Z, the time test timelines count from. */
export const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);

/** An audit timestamp `ms` after {@link T0}. */
export function at(ms: number): string {
  return new Date(T0 + ms).toISOString().replace('Z', '000Z');
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * A pack of test rules: each entry is a rule id and the YAML of its
 * aggregate, condition and match; the rest is filled in.
 */
export function testPack(
  rules: Record<
    string,
    { aggregate: string; condition?: string; match?: string }
  >,
): CompiledPack {
  const dir = mkdtempSync(join(tmpdir(), 'kubeguard-stateful-'));
  mkdirSync(join(dir, 'rules'));
  for (const [id, rule] of Object.entries(rules)) {
    writeFileSync(
      join(dir, 'rules', `${id}.yaml`),
      [
        `id: ${id}`,
        'alertType: K8S_Test',
        'name: Test rule',
        "title: 'Test {{ user.username }}'",
        'description: A stateful rule of the stateful evaluator tests, not a real detection.',
        'severity: medium',
        'mitre: { tactics: [TA0007], techniques: [T1613] }',
        rule.match ?? 'match: { stages: [ResponseStarted, ResponseComplete] }',
        ...(rule.condition === undefined
          ? []
          : [`condition: ${JSON.stringify(rule.condition)}`]),
        rule.aggregate,
        'remediation: [Look.]',
        'version: 1',
        'examples:',
        '  fire: [{ name: one, event: {} }]',
        '  quiet: [{ name: two, event: {} }]',
        '',
      ].join('\n'),
    );
  }
  return loadPacks([dir]);
}

/** Normalizes raw audit events as the rule tester does (defaults, ids). */
export function normalizeAll(
  raws: readonly Record<string, unknown>[],
  prefix = 'e',
): AuditEvent[] {
  return raws.map((raw, i) => {
    const result = normalizeK8sEvent(
      { ...EXAMPLE_DEFAULTS, auditID: `${prefix}-${String(i)}`, ...raw },
      { cluster: 'test', rawBatchId: 'b', index: i },
    );
    if (isRejection(result)) {
      throw new Error(`event ${String(i)}: ${result.detail}`);
    }
    return result;
  });
}

/** The outcome of replaying events through one rule. */
export interface Replay {
  /** Detections per event, in order. */
  perEvent: Detection[][];
  detections: Detection[];
  errors: string[];
  evaluator: PersistentStatefulEvaluator;
}

/**
 * Replays events through rules of a pack with a stateful evaluator; each
 * event is evaluated at a wall-clock time `nowOffsetMs` after 12:00, to show
 * that only event time matters.
 */
export function replay(
  pack: CompiledPack,
  rule: CompiledRule | readonly CompiledRule[],
  events: readonly AuditEvent[],
  options: {
    evaluator?: PersistentStatefulEvaluator;
    evaluatorOptions?: StatefulEvaluatorOptions;
    nowOffsetMs?: number;
  } = {},
): Replay {
  const errors: string[] = [];
  const evaluator =
    options.evaluator ??
    createStatefulEvaluator({
      ...options.evaluatorOptions,
      onError: (_rule, err) => errors.push(String(err)),
    });
  const engine = createEngine({
    pack: { ...pack, rules: Array.isArray(rule) ? rule : [rule] },
    detector: 'test',
    stateful: evaluator,
    onError: (_rule, err) => errors.push(String(err)),
  });
  const perEvent = events.map((event, i) =>
    engine.evaluate(
      event,
      new Date(Date.UTC(2026, 10, 20, 12, 0, i) + (options.nowOffsetMs ?? 0)),
    ),
  );
  return { perEvent, detections: perEvent.flat(), errors, evaluator };
}

/** The rule of a pack with that id. */
export function ruleOf(pack: CompiledPack, id: string): CompiledRule {
  const rule = pack.rules.find(r => r.doc.id === id);
  if (rule === undefined) {
    throw new Error(`no rule '${id}'`);
  }
  return rule;
}

/** Indexes of the events that raised a detection. */
export function firedAt(result: Replay): number[] {
  return result.perEvent.flatMap((d, i) => (d.length > 0 ? [i] : []));
}
