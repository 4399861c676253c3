import type { AuditEvent, Detection } from '@kubeguard/contracts';

import type { CompiledPack, CompiledRule } from './compile/compile-pack.js';
import { activationOf, type Activation } from './context.js';
import { buildDetection } from './detection.js';

/**
 * Evaluates stateful rules (counts, distinct values, new terms, sequences).
 * The engine calls it for each event that passes a stateful rule's match
 * block, condition and exceptions.
 */
export interface StatefulEvaluator {
  observe(
    rule: CompiledRule,
    event: AuditEvent,
    activation: Activation,
    now: Date,
  ): Detection[];
}

/** Options for {@link createEngine}. */
export interface EngineOptions {
  pack: CompiledPack;
  /** Stamped on every detection so alerts say which service found them. */
  detector: string;
  /** Without one, stateful rules are not evaluated. */
  stateful?: StatefulEvaluator;
  /** Called when a rule's expression fails on an event (the rule then does not fire). */
  onError?: (rule: CompiledRule, err: unknown) => void;
}

/** Evaluates a compiled pack against normalized events. */
export interface Engine {
  readonly rules: readonly CompiledRule[];
  readonly pack: CompiledPack;
  /** The detections one event produces. */
  evaluate(event: AuditEvent, detectedAt: Date): Detection[];
  /** Evaluates one rule by id; undefined when there is no such rule. */
  evaluateRule(
    ruleId: string,
    event: AuditEvent,
    detectedAt: Date,
  ): Detection[] | undefined;
  /** The rules an event is evaluated against: past the index and the cheap match filters. */
  candidates(event: AuditEvent): readonly CompiledRule[];
}

/**
 * Builds an engine that indexes rules by verb and resource, so an event only
 * meets the rules that can fire on it.
 */
export function createEngine(options: EngineOptions): Engine {
  const { pack } = options;
  const byKey = new Map<string, readonly CompiledRule[]>();
  const candidates = (event: AuditEvent): readonly CompiledRule[] => {
    const resource = event.objectRef?.resource ?? '';
    const key = `${event.verb}\u0000${resource}`;
    let found = byKey.get(key);
    if (!found) {
      found = pack.rules.filter(
        rule =>
          (rule.verbs === undefined || rule.verbs.has(event.verb)) &&
          (rule.resources === undefined || rule.resources.has(resource)),
      );
      byKey.set(key, found);
    }
    return found;
  };
  const byId = new Map(pack.rules.map(rule => [rule.doc.id, rule]));

  const run = (
    rules: readonly CompiledRule[],
    event: AuditEvent,
    detectedAt: Date,
  ): Detection[] => {
    const detections: Detection[] = [];
    let activation: Activation | undefined;
    for (const rule of rules) {
      if (!passesFilters(rule, event)) {
        continue;
      }
      activation ??= activationOf(event, pack.lists);
      try {
        if (
          rule.condition !== undefined &&
          rule.condition(activation) !== true
        ) {
          continue;
        }
        if (
          rule.exceptions.some(exception =>
            exception.applies(activation as Activation),
          )
        ) {
          continue;
        }
        if (rule.aggregate !== undefined) {
          for (const detection of options.stateful?.observe(
            rule,
            event,
            activation,
            detectedAt,
          ) ?? []) {
            detections.push({ ...detection, detector: options.detector });
          }
          continue;
        }
        detections.push({
          ...buildDetection(rule, event, activation, detectedAt),
          detector: options.detector,
        });
      } catch (err) {
        options.onError?.(rule, err);
      }
    }
    return detections;
  };

  return {
    rules: pack.rules,
    pack,
    evaluate: (event, detectedAt) =>
      run(
        event.partitionCopy
          ? candidates(event).filter(isSequence)
          : candidates(event),
        event,
        detectedAt,
      ),
    evaluateRule(ruleId, event, detectedAt) {
      const rule = byId.get(ruleId);
      return rule ? run([rule], event, detectedAt) : undefined;
    },
    candidates: event =>
      candidates(event).filter(rule => passesFilters(rule, event)),
  };
}

/**
 * Whether a rule may see partition copies: a sequence joins a copy (a grant)
 * with the grantee's own events; any other rule would count it twice.
 */
function isSequence(rule: CompiledRule): boolean {
  return rule.aggregate?.doc.type === 'sequence';
}

function passesFilters(rule: CompiledRule, event: AuditEvent): boolean {
  const ref = event.objectRef;
  const derived = event.derived;
  return (
    (rule.subresources === undefined ||
      rule.subresources.has(ref?.subresource ?? '')) &&
    (rule.apiGroups === undefined || rule.apiGroups.has(ref?.apiGroup ?? '')) &&
    (rule.stages === undefined || rule.stages.has(event.stage)) &&
    (rule.identities === undefined ||
      rule.identities.has(derived?.identity?.class ?? 0)) &&
    (rule.outcomes === undefined || rule.outcomes.has(derived?.outcome ?? 0)) &&
    (rule.clients === undefined ||
      rule.clients.has(derived?.client?.class ?? 0)) &&
    (rule.impersonated === undefined ||
      rule.impersonated === (event.impersonatedUser !== undefined))
  );
}
