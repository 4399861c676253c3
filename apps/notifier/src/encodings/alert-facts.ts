import {
  AlertStatus,
  Outcome,
  Severity,
  type Alert,
  type Target,
} from '@kubeguard/contracts';

import type { Notification } from '../sinks/sink.js';

/** Canonical severity names, least severe first. */
export const SEVERITY_NAMES = [
  'info',
  'low',
  'medium',
  'high',
  'critical',
] as const;

/** One of {@link SEVERITY_NAMES}. */
export type SeverityName = (typeof SEVERITY_NAMES)[number];

/** The enum value of a canonical severity name. */
export const SEVERITY_BY_NAME: Readonly<Record<SeverityName, Severity>> = {
  info: Severity.INFO,
  low: Severity.LOW,
  medium: Severity.MEDIUM,
  high: Severity.HIGH,
  critical: Severity.CRITICAL,
};

const severityNames = new Map<Severity, SeverityName>(
  SEVERITY_NAMES.map(name => [SEVERITY_BY_NAME[name], name]),
);

/** `high`, `critical`, ...; `unknown` for an unspecified severity. */
export function severityName(severity: Severity): SeverityName | 'unknown' {
  return severityNames.get(severity) ?? 'unknown';
}

/** `High`, `Critical`, ... for people. */
export function severityLabel(severity: Severity): string {
  const name = severityName(severity);
  return name.charAt(0).toUpperCase() + name.slice(1);
}

const statusNames = new Map<AlertStatus, string>([
  [AlertStatus.NEW, 'new'],
  [AlertStatus.IN_PROGRESS, 'in_progress'],
  [AlertStatus.RESOLVED, 'resolved'],
  [AlertStatus.DISMISSED, 'dismissed'],
]);

/** `new`, `in_progress`, `resolved`, `dismissed` or `unknown`. */
export function statusName(status: AlertStatus): string {
  return statusNames.get(status) ?? 'unknown';
}

const outcomeNames = new Map<Outcome, 'allowed' | 'denied' | 'failed'>([
  [Outcome.ALLOWED, 'allowed'],
  [Outcome.DENIED, 'denied'],
  [Outcome.FAILED, 'failed'],
]);

/** Whether the request behind the alert was `allowed`, `denied` or `failed`. */
export function outcomeName(
  outcome: Outcome,
): 'allowed' | 'denied' | 'failed' | 'unknown' {
  return outcomeNames.get(outcome) ?? 'unknown';
}

/** When the alert last changed: updated, else created, else last seen, else `fallback`. */
export function alertTime(alert: Alert, fallback: Date): Date {
  return (
    alert.updatedAt ?? alert.createdAt ?? alert.evidence?.lastSeen ?? fallback
  );
}

/**
 * Whether this notification closes the alert downstream (PagerDuty resolve,
 * Alertmanager endsAt, OCSF Close): a `resolved` change, or any change to an
 * alert that is resolved or dismissed.
 */
export function isClosing(notification: Notification): boolean {
  const { status } = notification.alert;
  return (
    notification.change === 'resolved' ||
    status === AlertStatus.RESOLVED ||
    status === AlertStatus.DISMISSED
  );
}

/** `create pods/exec kube-system/etcd-0`, or '' when there is no target. */
export function targetText(target: Target | undefined): string {
  if (!target) {
    return '';
  }
  const resource = [target.resource, target.subresource]
    .filter(part => part !== '')
    .join('/');
  const object = [target.namespace, target.name]
    .filter(part => part !== '')
    .join('/');
  return [target.verb, resource, object].filter(part => part !== '').join(' ');
}

/**
 * A field the Alert contract may gain later (tags, labels, references,
 * assignee...), read without depending on it at compile time.
 */
export function extraField(alert: Alert, key: string): unknown {
  return (alert as unknown as Record<string, unknown>)[key];
}

/** Strings of an optional string-array field; [] when absent or not strings. */
export function extraStrings(alert: Alert, key: string): string[] {
  const value = extraField(alert, key);
  return Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : [];
}

/**
 * The tags routing matches on: the alert's own `tags` and `labels` (as
 * `key` and `key=value`) when the contract carries them, plus its ATT&CK
 * tactic and technique ids.
 */
export function alertTags(alert: Alert): Set<string> {
  const tags = new Set<string>(extraStrings(alert, 'tags'));
  const labels = extraField(alert, 'labels');
  if (labels !== null && typeof labels === 'object' && !Array.isArray(labels)) {
    for (const [key, value] of Object.entries(labels)) {
      tags.add(key);
      if (typeof value === 'string') {
        tags.add(`${key}=${value}`);
      }
    }
  }
  for (const id of [...alert.mitreTactics, ...alert.mitreTechniques]) {
    tags.add(id);
  }
  return tags;
}
