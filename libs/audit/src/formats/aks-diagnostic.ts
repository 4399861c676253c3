import { isRecord, preview } from '../payload.js';
import { reject, type Rejection } from '../rejection.js';
import { auditEvents } from './k8s-audit.js';
import {
  converted,
  parseEmbedded,
  wrongType,
  type FormatResult,
} from './result.js';

// kube-audit has every event; kube-audit-admin the same minus get and list.
const AUDIT_CATEGORIES = new Set(['kube-audit', 'kube-audit-admin']);

/**
 * Whether a record is an Azure Monitor diagnostic record (`category`, or
 * `Category` as Log Analytics exports it).
 */
export function isAksDiagnostic(value: Record<string, unknown>): boolean {
  return 'category' in value || 'Category' in value;
}

/**
 * Converts one AKS diagnostic record: `properties.log` holds the audit Event
 * as JSON text or as an object. Log Analytics' AzureDiagnostics table puts it
 * in a top-level `log_s` column instead. Non-audit categories are skipped.
 */
export function convertAksDiagnostic(
  value: Record<string, unknown>,
): FormatResult[] {
  const category = value['category'] ?? value['Category'];
  if (typeof category !== 'string') {
    return [wrongType('category', 'a string', category)];
  }
  if (!AUDIT_CATEGORIES.has(category)) {
    return [
      {
        skip: `AKS diagnostic category '${preview(category)}' is not an audit log (kube-audit or kube-audit-admin)`,
      },
    ];
  }
  const found = auditLog(value);
  if (!('log' in found)) {
    return [found];
  }
  let log = found.log;
  if (typeof log === 'string') {
    const parsed = parseEmbedded(log, found.field);
    if (!('value' in parsed)) {
      return [parsed];
    }
    log = parsed.value;
  } else if (!isRecord(log)) {
    return [wrongType(found.field, 'a JSON string or an object', log)];
  }
  return auditEvents(log, found.field).map(event =>
    'event' in event ? converted(event.event, 'aks-diagnostic') : event,
  );
}

function auditLog(
  value: Record<string, unknown>,
): { log: unknown; field: string } | Rejection {
  if ('log_s' in value) {
    return { log: value['log_s'], field: 'log_s' };
  }
  const key = 'properties' in value ? 'properties' : 'Properties';
  const properties = value[key];
  if (properties === undefined) {
    return reject(
      'MISSING_FIELD',
      'properties.log: required in an AKS audit record',
    );
  }
  if (!isRecord(properties)) {
    return wrongType(key, 'an object', properties);
  }
  const logKey = 'log' in properties ? 'log' : 'Log';
  const log = properties[logKey];
  if (log === undefined) {
    return reject(
      'MISSING_FIELD',
      `${key}.log: required in an AKS audit record`,
    );
  }
  return { log, field: `${key}.${logKey}` };
}
