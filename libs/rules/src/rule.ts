import type { AuditEvent, Severity } from '@kubeguard/contracts';

/** ATT&CK tactic and technique ids, e.g. `TA0001` and `T1078.001`. */
export interface Mitre {
  tactics: readonly string[];
  techniques: readonly string[];
}

/** Lifecycle status of a rule. */
export type RuleStatus = 'stable' | 'experimental' | 'deprecated';

/**
 * The values a rule matched on, shown as evidence in the alert
 * (e.g. `{ user: 'system:anonymous' }`); `undefined` when it did not match.
 */
export type RuleMatch = Readonly<Record<string, string>> | undefined;

/** A single-event detection rule. */
export interface Rule {
  /** Catalog id, kebab-case: `anonymous-request-allowed`. */
  id: string;
  /** `K8S_*`-style type, Defender's own name where Defender has the alert. */
  alertType: string;
  /** A fixed human name, e.g. "Anonymous request allowed". */
  name: string;
  description: string;
  /** Severity before per-event modifiers; what rule listings show. */
  baseSeverity: Severity;
  mitre: Mitre;
  remediation: readonly string[];
  references: readonly string[];
  status: RuleStatus;
  version: number;
  /** Verbs the rule can fire on; an event with another verb never meets it. Empty: any. */
  verbs: readonly string[];
  /** Title of one occurrence, from the event. */
  title(event: AuditEvent): string;
  /** Severity of one occurrence, from the event. */
  severity(event: AuditEvent): Severity;
  /** Decides whether the event fires the rule. */
  match(event: AuditEvent): RuleMatch;
}
