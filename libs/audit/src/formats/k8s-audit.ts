import { isRecord, preview } from '../payload.js';
import { reject, type Rejection } from '../rejection.js';
import {
  converted,
  describe,
  keyList,
  wrongType,
  type FormatResult,
  type SourceFormat,
} from './result.js';

/** An object that passed the audit Event check. */
export interface AuditEvent {
  event: Record<string, unknown>;
}

const AUDIT_API_VERSIONS = new Set(['audit.k8s.io/v1', 'audit.k8s.io/v1beta1']);

/** Whether a record claims to be an audit Event or EventList. */
export function isK8sAudit(value: Record<string, unknown>): boolean {
  return (
    value['kind'] === 'Event' ||
    value['kind'] === 'EventList' ||
    ('auditID' in value && 'verb' in value)
  );
}

/** Passes an audit Event through, or expands an EventList into its items. */
export function convertK8sAudit(
  value: Record<string, unknown>,
): FormatResult[] {
  return auditEvents(value, '').map(found =>
    'event' in found ? converted(found.event, formatOf(found.event)) : found,
  );
}

/**
 * The audit Events in a parsed value: itself, or the items of an EventList,
 * each checked to be an `audit.k8s.io` Event. `field` names where the value
 * was found (empty at top level) for the rejection detail.
 */
export function auditEvents(
  value: unknown,
  field: string,
): (AuditEvent | Rejection)[] {
  if (!isRecord(value) || value['kind'] !== 'EventList') {
    return [auditEvent(value, field)];
  }
  const at = field === '' ? '' : `${field}: `;
  const problem = apiVersionProblem(value['apiVersion']);
  if (problem !== undefined) {
    return [reject('NOT_AUDIT_EVENT', `${at}${problem}`)];
  }
  const items = value['items'];
  if (!Array.isArray(items)) {
    return [wrongType(`${at}EventList.items`, 'an array', items)];
  }
  const prefix = field === '' ? 'EventList' : `${field}.EventList`;
  return items.map((item: unknown, index) =>
    auditEvent(item, `${prefix}.items[${String(index)}]`),
  );
}

/** Checks that one value is an `audit.k8s.io` Event (v1, v1beta1 or unversioned). */
function auditEvent(value: unknown, field: string): AuditEvent | Rejection {
  const at = field === '' ? '' : `${field}: `;
  if (!isRecord(value)) {
    return reject(
      'NOT_AUDIT_EVENT',
      `${at}expected an audit.k8s.io Event object, got ${describe(value)}`,
    );
  }
  const problem = apiVersionProblem(value['apiVersion']);
  if (problem !== undefined) {
    return reject('NOT_AUDIT_EVENT', `${at}${problem}`);
  }
  const kind = value['kind'];
  if (kind !== undefined && kind !== 'Event') {
    return reject(
      'NOT_AUDIT_EVENT',
      `${at}kind: expected 'Event', got '${preview(kind)}'`,
    );
  }
  if (kind === undefined && !('auditID' in value && 'verb' in value)) {
    return reject(
      'NOT_AUDIT_EVENT',
      `${at}expected an audit.k8s.io Event (kind 'Event', or auditID and verb), got ${keyList(value)}`,
    );
  }
  return { event: value };
}

function apiVersionProblem(apiVersion: unknown): string | undefined {
  if (
    apiVersion === undefined ||
    (typeof apiVersion === 'string' && AUDIT_API_VERSIONS.has(apiVersion))
  ) {
    return undefined;
  }
  // Also catches core `v1` Events (cluster events), which share kind 'Event'.
  return `apiVersion: expected audit.k8s.io/v1 or v1beta1, got '${preview(apiVersion)}'`;
}

function formatOf(event: Record<string, unknown>): SourceFormat {
  return event['apiVersion'] === 'audit.k8s.io/v1beta1'
    ? 'k8s-audit-v1beta1'
    : 'k8s-audit-v1';
}
