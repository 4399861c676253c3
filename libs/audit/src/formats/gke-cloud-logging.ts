import { Buffer } from 'node:buffer';

import { isRecord, preview } from '../payload.js';
import { reject, type Rejection } from '../rejection.js';
import {
  objectRef,
  parseMethodName,
  parseResourceName,
  requestPath,
  type GkeMethod,
  type GkeTarget,
} from './gke-resource.js';
import {
  annotationsOf,
  authorizations,
  copyObject,
  identityOf,
  levelOf,
  stageOf,
  timestampsOf,
} from './gke-fields.js';
import { responseStatus } from './gke-status.js';
import {
  converted,
  describe,
  keyList,
  parseEmbedded,
  within,
  wrongType,
  type FormatResult,
} from './result.js';

const AUDIT_LOG_TYPE = 'type.googleapis.com/google.cloud.audit.AuditLog';

/**
 * Whether a record is a Cloud Logging `LogEntry` (or a Pub/Sub push message
 * carrying one, as a log sink to Pub/Sub delivers it).
 */
export function isGkeLogEntry(value: Record<string, unknown>): boolean {
  return (
    'protoPayload' in value ||
    isPubSubPush(value) ||
    ('logName' in value && ('jsonPayload' in value || 'textPayload' in value))
  );
}

/**
 * Rebuilds the `audit.k8s.io` Event behind a GKE Kubernetes audit entry
 * (`protoPayload.serviceName: k8s.io`); other entries are skipped.
 */
export function convertGkeLogEntry(
  value: Record<string, unknown>,
): FormatResult[] {
  if (!isPubSubPush(value)) {
    return [fromLogEntry(value)];
  }
  const message = value['message'] as Record<string, unknown>;
  const text = Buffer.from(String(message['data']), 'base64').toString('utf8');
  const parsed = parseEmbedded(text, 'message.data (base64)');
  if (!('value' in parsed)) {
    return [parsed];
  }
  if (!isRecord(parsed.value) || !isGkeLogEntry(parsed.value)) {
    const got = isRecord(parsed.value)
      ? keyList(parsed.value)
      : describe(parsed.value);
    return [
      reject(
        'NOT_AUDIT_EVENT',
        `message.data: expected a Cloud Logging LogEntry, got ${got}`,
      ),
    ];
  }
  return within('message.data', [fromLogEntry(parsed.value)]);
}

function isPubSubPush(value: Record<string, unknown>): boolean {
  const message = value['message'];
  return isRecord(message) && typeof message['data'] === 'string';
}

function fromLogEntry(entry: Record<string, unknown>): FormatResult {
  const payload = entry['protoPayload'];
  if (payload === undefined) {
    const kind = 'jsonPayload' in entry ? 'jsonPayload' : 'textPayload';
    return { skip: `LogEntry with a ${kind} is not a Cloud Audit Logs entry` };
  }
  if (!isRecord(payload)) {
    return wrongType('protoPayload', 'an object', payload);
  }
  const type = payload['@type'];
  if (type !== undefined && type !== AUDIT_LOG_TYPE) {
    return {
      skip: `protoPayload of type '${preview(type)}' is not a Cloud Audit Logs AuditLog`,
    };
  }
  if (payload['serviceName'] !== 'k8s.io') {
    return {
      skip: `audit entry of service '${preview(payload['serviceName'])}' is not a Kubernetes API request (serviceName 'k8s.io')`,
    };
  }
  return rebuild(entry, payload);
}

function rebuild(
  entry: Record<string, unknown>,
  payload: Record<string, unknown>,
): FormatResult {
  const inferred: string[] = [];
  const method = methodOf(payload, inferred);
  if ('reason' in method) {
    return method;
  }
  const auditID = auditIdOf(entry, inferred);
  if (typeof auditID !== 'string') {
    return auditID;
  }
  const resourceName = payload['resourceName'];
  if (resourceName !== undefined && typeof resourceName !== 'string') {
    return wrongType('protoPayload.resourceName', 'a string', resourceName);
  }
  const named =
    resourceName === undefined || method.resource === undefined
      ? undefined
      : parseResourceName(resourceName);
  const target = named ?? targetFromMethod(method, inferred);
  const status = responseStatus(payload, target?.subresource, inferred);
  if (!('responseStatus' in status)) {
    return status;
  }
  const event: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: levelOf(payload, inferred),
    auditID,
    stage: stageOf(entry, inferred),
  };
  if (named !== undefined) {
    event['requestURI'] = requestPath(named, method.verb);
    inferred.push('requestURI');
  } else if (method.resource === undefined && resourceName !== undefined) {
    // No resource in the method: a non-resource path such as /healthz.
    event['requestURI'] = `/${resourceName.replace(/^\//, '')}`;
  }
  event['verb'] = method.verb;
  Object.assign(event, identityOf(payload, inferred));
  if (target !== undefined) {
    event['objectRef'] = objectRef(target);
  }
  event['responseStatus'] = status.responseStatus;
  copyObject(payload['request'], event, 'requestObject');
  copyObject(payload['response'], event, 'responseObject');
  Object.assign(event, timestampsOf(entry, inferred));
  event['annotations'] = annotationsOf(entry, payload, inferred);
  return converted(event, 'gke-cloud-logging', inferred);
}

function methodOf(
  payload: Record<string, unknown>,
  inferred: string[],
): GkeMethod | Rejection {
  let name = payload['methodName'];
  if (name === undefined) {
    // authorizationInfo[].permission is spelled like methodName.
    const [first] = authorizations(payload);
    if (typeof first?.['permission'] === 'string') {
      name = first['permission'];
      inferred.push('verb');
    }
  }
  if (typeof name !== 'string') {
    return name === undefined
      ? reject(
          'MISSING_FIELD',
          'protoPayload.methodName: required, it names the verb',
        )
      : wrongType('protoPayload.methodName', 'a string', name);
  }
  const method = parseMethodName(name);
  return method.verb === ''
    ? reject('MISSING_FIELD', `protoPayload.methodName '${name}' names no verb`)
    : method;
}

/** GKE sets `operation.id` to the API server's audit ID; insertId usually equals it. */
function auditIdOf(
  entry: Record<string, unknown>,
  inferred: string[],
): string | Rejection {
  const operation = entry['operation'];
  if (
    isRecord(operation) &&
    typeof operation['id'] === 'string' &&
    operation['id'] !== ''
  ) {
    return operation['id'];
  }
  const insertId = entry['insertId'];
  if (typeof insertId === 'string' && insertId !== '') {
    inferred.push('auditID');
    return insertId;
  }
  return reject(
    'MISSING_FIELD',
    'operation.id or insertId: required for the audit ID',
  );
}

/**
 * Without a usable resourceName the method still names resource and version;
 * its group is a shorthand (`authorization.rbac`), so only core is certain.
 */
function targetFromMethod(
  method: GkeMethod,
  inferred: string[],
): GkeTarget | undefined {
  if (method.resource === undefined || method.version === undefined) {
    return undefined;
  }
  const target: GkeTarget = {
    apiGroup: '',
    apiVersion: method.version,
    resource: method.resource,
  };
  if (method.subresource !== undefined) {
    target.subresource = method.subresource;
  }
  if (method.group !== 'core') {
    inferred.push('objectRef.apiGroup');
  }
  return target;
}
