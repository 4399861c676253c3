import { isRecord } from '../payload.js';
import { reject } from '../rejection.js';
import { convertAksDiagnostic, isAksDiagnostic } from './aks-diagnostic.js';
import { convertEksCloudWatch, isEksCloudWatch } from './eks-cloudwatch.js';
import { convertGkeLogEntry, isGkeLogEntry } from './gke-cloud-logging.js';
import { convertK8sAudit, isK8sAudit } from './k8s-audit.js';
import {
  describe,
  keyList,
  within,
  wrongType,
  type FormatResult,
} from './result.js';

const EXPECTED =
  'expected an audit.k8s.io Event, an AKS diagnostic record, an EKS CloudWatch record or a GKE LogEntry';

/**
 * Auto-detects the format of one parsed record and converts it; wrappers
 * expand to many results: a JSON array (as `gcloud logging read` prints),
 * Event Hubs' `{records: [...]}` of AKS records, an EventList, or a
 * CloudWatch Logs subscription payload. Never mutates `value`.
 */
export function expandRecord(value: unknown): FormatResult[] {
  if (Array.isArray(value)) {
    return value.flatMap((item: unknown, index) =>
      within(`[${String(index)}]`, convertRecord(item)),
    );
  }
  return convertRecord(value);
}

function convertRecord(value: unknown): FormatResult[] {
  if (!isRecord(value)) {
    return [
      reject(
        'NOT_AUDIT_EVENT',
        `unrecognized record: ${EXPECTED}; got ${describe(value)}`,
      ),
    ];
  }
  // Plain audit Events first: they pass through untouched by provider rules.
  if (isK8sAudit(value)) {
    return convertK8sAudit(value);
  }
  if (isGkeLogEntry(value)) {
    return convertGkeLogEntry(value);
  }
  if (isAksDiagnostic(value)) {
    return convertAksDiagnostic(value);
  }
  if ('records' in value) {
    return eventHubsRecords(value['records']);
  }
  if (isEksCloudWatch(value)) {
    return convertEksCloudWatch(value);
  }
  return [
    reject(
      'NOT_AUDIT_EVENT',
      `unrecognized record: ${EXPECTED}; ${keyList(value)}`,
    ),
  ];
}

/** Azure Event Hubs delivers diagnostic records as `{records: [...]}`. */
function eventHubsRecords(records: unknown): FormatResult[] {
  if (!Array.isArray(records)) {
    return [wrongType('records', 'an array', records)];
  }
  return records.flatMap((item: unknown, index) => {
    const where = `records[${String(index)}]`;
    if (isRecord(item) && isAksDiagnostic(item)) {
      return within(where, convertAksDiagnostic(item));
    }
    return [
      reject(
        'NOT_AUDIT_EVENT',
        `${where}: expected an AKS diagnostic record with a category, got ${isRecord(item) ? keyList(item) : describe(item)}`,
      ),
    ];
  });
}
