import { isRecord, preview } from '../payload.js';
import { reject, type Rejection } from '../rejection.js';
import { gunzipBase64 } from './body.js';
import { auditEvents } from './k8s-audit.js';
import {
  converted,
  parseEmbedded,
  within,
  wrongType,
  type FormatResult,
} from './result.js';

// EKS writes each control-plane log type to its own stream in /aws/eks/<cluster>/cluster.
const AUDIT_STREAM_PREFIX = 'kube-apiserver-audit';

/**
 * Whether a record is EKS CloudWatch Logs data: an exported log event
 * (`message` or Logs Insights `@message`), a subscription-filter payload
 * (`messageType`/`logEvents`), Lambda's `{awslogs: {data}}` event, or the
 * `{events: [...]}` output of `aws logs filter-log-events`/`get-log-events`.
 */
export function isEksCloudWatch(value: Record<string, unknown>): boolean {
  return (
    'message' in value ||
    '@message' in value ||
    'logEvents' in value ||
    'messageType' in value ||
    'awslogs' in value ||
    Array.isArray(value['events'])
  );
}

/** Converts EKS CloudWatch Logs data into the audit Events it carries. */
export function convertEksCloudWatch(
  value: Record<string, unknown>,
): FormatResult[] {
  if ('awslogs' in value) {
    return fromLambda(value['awslogs']);
  }
  if ('logEvents' in value || 'messageType' in value) {
    return fromSubscription(value);
  }
  const events = value['events'];
  if (Array.isArray(events)) {
    return logEvents(events, 'events');
  }
  return fromLogEvent(value);
}

/** Lambda receives the subscription payload gzipped and base64-encoded. */
function fromLambda(awslogs: unknown): FormatResult[] {
  if (!isRecord(awslogs) || typeof awslogs['data'] !== 'string') {
    return [wrongType('awslogs.data', 'a base64 string', awslogs)];
  }
  const text = gunzipBase64(awslogs['data'], 'awslogs.data');
  if (typeof text !== 'string') {
    return [text];
  }
  const parsed = parseEmbedded(text, 'awslogs.data');
  if (!('value' in parsed)) {
    return [parsed];
  }
  if (!isRecord(parsed.value) || !('logEvents' in parsed.value)) {
    return [
      reject(
        'NOT_AUDIT_EVENT',
        'awslogs.data: expected a CloudWatch Logs subscription payload with logEvents',
      ),
    ];
  }
  return fromSubscription(parsed.value);
}

function fromSubscription(payload: Record<string, unknown>): FormatResult[] {
  const messageType = payload['messageType'];
  if (messageType === 'CONTROL_MESSAGE') {
    return [
      {
        skip: 'CloudWatch Logs CONTROL_MESSAGE: a reachability check from CloudWatch, no log events',
      },
    ];
  }
  if (messageType !== undefined && messageType !== 'DATA_MESSAGE') {
    return [
      typeof messageType === 'string'
        ? reject(
            'NOT_AUDIT_EVENT',
            `messageType: expected 'DATA_MESSAGE' or 'CONTROL_MESSAGE', got '${preview(messageType)}'`,
          )
        : wrongType('messageType', 'a string', messageType),
    ];
  }
  const notAudit = nonAuditStream(payload);
  if (notAudit !== undefined) {
    return [notAudit];
  }
  const events = payload['logEvents'];
  if (!Array.isArray(events)) {
    return [wrongType('logEvents', 'an array', events)];
  }
  return logEvents(events, 'logEvents');
}

function logEvents(events: unknown[], field: string): FormatResult[] {
  return events.flatMap((item: unknown, index) => {
    const where = `${field}[${String(index)}]`;
    return isRecord(item)
      ? within(where, fromLogEvent(item))
      : [wrongType(where, 'an object', item)];
  });
}

/** One CloudWatch log event: its message is one audit Event as JSON text. */
function fromLogEvent(event: Record<string, unknown>): FormatResult[] {
  const notAudit = nonAuditStream(event);
  if (notAudit !== undefined) {
    return [notAudit];
  }
  const field =
    '@message' in event && !('message' in event) ? '@message' : 'message';
  const message = event[field];
  if (typeof message !== 'string') {
    return [messageProblem(field, message)];
  }
  const parsed = parseEmbedded(message, field);
  if (!('value' in parsed)) {
    return [parsed];
  }
  return auditEvents(parsed.value, field).map(found =>
    'event' in found ? converted(found.event, 'eks-cloudwatch') : found,
  );
}

function messageProblem(field: string, message: unknown): Rejection {
  return message === undefined
    ? reject('MISSING_FIELD', `${field}: required, the audit Event JSON`)
    : wrongType(field, 'a string holding audit Event JSON', message);
}

/** Only kube-apiserver-audit-* streams hold audit Events; the rest is skipped. */
function nonAuditStream(
  record: Record<string, unknown>,
): { skip: string } | undefined {
  const stream =
    record['logStream'] ?? record['@logStream'] ?? record['logStreamName'];
  if (
    typeof stream !== 'string' ||
    stream === '' ||
    stream.startsWith(AUDIT_STREAM_PREFIX)
  ) {
    return undefined;
  }
  const group = record['logGroup'] ?? record['@log'];
  const inGroup = typeof group === 'string' ? ` in log group '${group}'` : '';
  return {
    skip: `log stream '${stream}'${inGroup} is not an EKS audit stream (${AUDIT_STREAM_PREFIX}-*)`,
  };
}
