import {
  Outcome,
  type AuditEvent,
  type Detection,
  type Severity,
  type Workload,
} from '@kubeguard/contracts';

import type { CompiledRule } from './compile/compile-pack.js';
import type { Activation } from './context.js';
import { digest } from './ids.js';

/** What a stateful rule adds to the detection it raises. */
export interface DetectionOverrides {
  /** The window or sequence key, instead of the audit ID, makes the id. */
  idKey?: string;
  auditIds?: readonly string[];
  firstSeen?: Date;
  lastSeen?: Date;
  count?: number;
  matched?: Readonly<Record<string, string>>;
}

/**
 * The Detection a rule raises for an event: everything an alert needs, with
 * a deterministic id (rule + cluster + audit ID, or the stateful key) so a
 * redelivered event yields the same detection.
 */
export function buildDetection(
  rule: CompiledRule,
  event: AuditEvent,
  activation: Activation,
  detectedAt: Date,
  overrides: DetectionOverrides = {},
): Detection {
  const ref = event.objectRef;
  const username = event.user?.username ?? '';
  const eventTime = new Date(
    Math.floor(
      (event.stageUnixMicros || event.requestReceivedUnixMicros) / 1000,
    ),
  );
  const severity = severityOf(rule, activation);
  return {
    detectionId: digest(
      rule.doc.id,
      event.cluster,
      overrides.idKey ?? event.auditId,
    ),
    ruleId: rule.doc.id,
    alertType: rule.doc.alertType,
    title: rule.title(activation),
    description: rule.doc.description,
    severity,
    mitreTactics: [...rule.doc.mitre.tactics],
    mitreTechniques: [...rule.doc.mitre.techniques],
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
    workload: workloadOf(event),
    evidence: {
      auditIds: [...(overrides.auditIds ?? [event.auditId])],
      firstSeen: overrides.firstSeen ?? eventTime,
      lastSeen: overrides.lastSeen ?? eventTime,
      count: overrides.count ?? 1,
      matched: { ...matchedOf(event), ...overrides.matched },
    },
    remediation: [...rule.doc.remediation],
    // Same rule, cluster, actor and target: the same incident.
    fingerprint: digest(
      rule.doc.id,
      event.cluster,
      username,
      ref?.resource ?? '',
      ref?.namespace ?? '',
      ref?.name ?? '',
    ),
    detector: '',
    detectedAt,
    outcome: event.derived?.outcome ?? Outcome.UNSPECIFIED,
  };
}

/** The rule's severity for this event: the first modifier that applies, else the base. */
export function severityOf(
  rule: CompiledRule,
  activation: Activation,
): Severity {
  for (const modifier of rule.severityModifiers) {
    try {
      if (modifier.when(activation) === true) {
        return modifier.severity;
      }
    } catch {
      // A modifier that cannot be evaluated for this event does not apply.
    }
  }
  return rule.baseSeverity;
}

function workloadOf(event: AuditEvent): Workload | undefined {
  const specs = event.derived?.podSpecs ?? [];
  if (specs.length === 0) {
    return undefined;
  }
  const containers = specs.flatMap(spec => spec.containers);
  return {
    images: [...new Set(containers.map(c => c.image).filter(Boolean))],
    privileged: containers.some(c => c.privileged),
    hostPaths: [
      ...new Set(specs.flatMap(spec => spec.hostPathVolumes.map(v => v.path))),
    ],
    serviceAccount: specs[0]?.serviceAccountName ?? '',
  };
}

function matchedOf(event: AuditEvent): Record<string, string> {
  const matched: Record<string, string> = { requestURI: event.requestUri };
  const reason = event.annotations['authorization.k8s.io/reason'];
  if (reason) {
    matched['authorizationReason'] = reason;
  }
  const exec = event.derived?.exec;
  if (exec && exec.command.length > 0) {
    matched['command'] = exec.command.join(' ');
    matched['container'] = exec.container;
  }
  return matched;
}
