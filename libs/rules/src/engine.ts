import type { AuditEvent, Detection } from '@kubeguard/contracts';

import { digest } from './ids.js';
import type { Rule, RuleMatch } from './rule.js';

/** Options for {@link createEngine}. */
export interface EngineOptions {
  rules: readonly Rule[];
  /** Stamped on every detection so alerts say which service found them. */
  detector: string;
}

/** Evaluates a rule set against normalized events. */
export interface Engine {
  readonly rules: readonly Rule[];
  /** The detections one event produces; pure apart from `detectedAt`. */
  evaluate(event: AuditEvent, detectedAt: Date): Detection[];
  /** Evaluates a single rule by id; undefined when there is no such rule. */
  evaluateRule(
    ruleId: string,
    event: AuditEvent,
    detectedAt: Date,
  ): Detection[] | undefined;
}

/**
 * Builds an engine that indexes rules by verb, so an event only meets the
 * rules that can fire on it.
 */
export function createEngine(options: EngineOptions): Engine {
  const anyVerb = options.rules.filter(rule => rule.verbs.length === 0);
  const byVerb = new Map<string, Rule[]>();
  for (const rule of options.rules) {
    for (const verb of rule.verbs) {
      byVerb.set(verb, [...(byVerb.get(verb) ?? anyVerb), rule]);
    }
  }
  const byId = new Map(options.rules.map(rule => [rule.id, rule]));

  const run = (
    rules: readonly Rule[],
    event: AuditEvent,
    detectedAt: Date,
  ): Detection[] => {
    const detections: Detection[] = [];
    for (const rule of rules) {
      const matched = rule.match(event);
      if (matched) {
        detections.push(
          toDetection(rule, matched, event, options.detector, detectedAt),
        );
      }
    }
    return detections;
  };

  return {
    rules: options.rules,
    evaluate: (event, detectedAt) =>
      run(byVerb.get(event.verb) ?? anyVerb, event, detectedAt),
    evaluateRule(ruleId, event, detectedAt) {
      const rule = byId.get(ruleId);
      return rule ? run([rule], event, detectedAt) : undefined;
    },
  };
}

function toDetection(
  rule: Rule,
  matched: NonNullable<RuleMatch>,
  event: AuditEvent,
  detector: string,
  detectedAt: Date,
): Detection {
  const ref = event.objectRef;
  const username = event.user?.username ?? '';
  const eventTime = new Date(
    Math.floor(
      (event.stageUnixMicros || event.requestReceivedUnixMicros) / 1000,
    ),
  );
  return {
    // Redelivery of the same event yields the same id, so every later stage
    // can treat a repeat as a no-op.
    detectionId: digest(rule.id, event.cluster, event.auditId),
    ruleId: rule.id,
    alertType: rule.alertType,
    title: rule.title(event),
    description: rule.description,
    severity: rule.severity(event),
    mitreTactics: [...rule.mitre.tactics],
    mitreTechniques: [...rule.mitre.techniques],
    cluster: event.cluster,
    actor: {
      username,
      groups: event.user?.groups ?? [],
      sourceIps: event.sourceIps,
      userAgent: event.userAgent,
      impersonatedUsername: event.impersonatedUser?.username ?? '',
    },
    target: {
      verb: event.verb,
      resource: ref?.resource ?? '',
      subresource: ref?.subresource ?? '',
      namespace: ref?.namespace ?? '',
      name: ref?.name ?? '',
      apiGroup: ref?.apiGroup ?? '',
    },
    workload: undefined,
    evidence: {
      auditIds: [event.auditId],
      firstSeen: eventTime,
      lastSeen: eventTime,
      count: 1,
      matched: { ...matched },
    },
    remediation: [...rule.remediation],
    // Same rule, cluster, actor and target: the same incident.
    fingerprint: digest(
      rule.id,
      event.cluster,
      username,
      ref?.resource ?? '',
      ref?.namespace ?? '',
      ref?.name ?? '',
    ),
    detector,
    detectedAt,
  };
}
