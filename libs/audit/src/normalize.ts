import {
  type AuditEvent,
  type ObjectRef,
  type ResponseStatus,
  type UserInfo,
} from '@kubeguard/contracts';

import { deriveClient, deriveIdentity, deriveOutcome } from './derive.js';
import { isRecord, preview } from './payload.js';
import { redactAnnotations, redactObject } from './redact.js';
import { reject, type Rejection } from './rejection.js';
import { parseMicros } from './time.js';
import { deriveAdmission } from './views/admission.js';
import { execView } from './views/exec.js';
import { podSpecViews } from './views/pod-spec.js';
import { roleBindingView, roleView } from './views/rbac.js';
import { ingressView, serviceView } from './views/service.js';

/** Where a record came from, stamped on the normalized event. */
export interface NormalizeContext {
  cluster: string;
  rawBatchId: string;
  index: number;
}

const AUDIT_API_VERSIONS = new Set(['audit.k8s.io/v1', 'audit.k8s.io/v1beta1']);

/**
 * Turns one `audit.k8s.io` Event (v1, v1beta1, or without `apiVersion`) into
 * the canonical AuditEvent, with secrets redacted and the derived views set.
 */
export function normalizeK8sEvent(
  value: unknown,
  context: NormalizeContext,
): AuditEvent | Rejection {
  if (!isRecord(value)) {
    return reject(
      'NOT_AUDIT_EVENT',
      `expected an audit Event object, got ${describe(value)}`,
    );
  }
  const apiVersion = value['apiVersion'];
  if (
    apiVersion !== undefined &&
    !AUDIT_API_VERSIONS.has(preview(apiVersion))
  ) {
    return reject(
      'NOT_AUDIT_EVENT',
      `apiVersion: expected audit.k8s.io/v1 or v1beta1, got '${preview(apiVersion)}'`,
    );
  }
  if (value['kind'] !== undefined && value['kind'] !== 'Event') {
    return reject(
      'NOT_AUDIT_EVENT',
      `kind: expected 'Event', got '${preview(value['kind'])}'`,
    );
  }
  const auditId = value['auditID'];
  if (typeof auditId !== 'string' || auditId === '') {
    return reject('MISSING_FIELD', 'auditID: required, a non-empty string');
  }
  const verb = value['verb'];
  if (typeof verb !== 'string' || verb === '') {
    return reject('MISSING_FIELD', `verb: required in event '${auditId}'`);
  }
  const typeProblem = checkTypes(value);
  if (typeProblem) {
    return reject('WRONG_TYPE', `${typeProblem} in event '${auditId}'`);
  }

  const annotations = stringMap(value['annotations']);
  const user = userInfo(value['user']);
  const impersonatedUser = isRecord(value['impersonatedUser'])
    ? userInfo(value['impersonatedUser'])
    : undefined;
  const objectRef = objectRefOf(value['objectRef']);
  const responseStatus = statusOf(value['responseStatus']);
  const sourceIps = stringArray(value['sourceIPs']);
  const resource = objectRef?.resource ?? '';
  const subresource = objectRef?.subresource ?? '';
  const requestUri = str(value['requestURI']);

  // Redact in place first, so the views see only what the bus will carry;
  // then read the views from the parsed objects, and serialize last.
  const requestObject = value['requestObject'];
  const responseObject = value['responseObject'];
  let redacted = redactAnnotations(annotations);
  redacted = redactPresent(requestObject, resource, subresource) || redacted;
  redacted = redactPresent(responseObject, resource, subresource) || redacted;
  const objects = { verb, objectRef, requestObject, responseObject };
  const pods = podSpecViews(objects);
  const admission = deriveAdmission(responseStatus, annotations);

  return {
    auditId,
    cluster: context.cluster,
    stage: str(value['stage']),
    level: str(value['level']),
    verb,
    requestUri,
    objectRef,
    user,
    impersonatedUser,
    sourceIps,
    userAgent: str(value['userAgent']),
    responseStatus,
    requestReceivedUnixMicros:
      parseMicros(value['requestReceivedTimestamp']) ?? 0,
    stageUnixMicros:
      parseMicros(value['stageTimestamp'] ?? value['timestamp']) ?? 0,
    annotations,
    requestObjectJson: encodeObject(requestObject),
    responseObjectJson: encodeObject(responseObject),
    sourceFormat:
      apiVersion === 'audit.k8s.io/v1beta1'
        ? 'k8s-audit-v1beta1'
        : 'k8s-audit-v1',
    origin: { rawBatchId: context.rawBatchId, index: context.index },
    redacted,
    partitionCopy: false,
    derived: {
      identity: deriveIdentity(user, impersonatedUser !== undefined),
      outcome: deriveOutcome(responseStatus, annotations, admission.rejected),
      client: deriveClient(sourceIps),
      podSpecs: pods,
      exec: execView(objectRef, requestUri),
      admissionRejected: admission.rejected,
      admissionController: admission.controller,
      admissionPolicy: admission.policy,
      admissionReason: admission.reason,
      role: roleView(objects),
      roleBinding: roleBindingView(objects),
      service: serviceView(objects),
      ingress: ingressView(objects),
    },
  };
}

/** Field types that, when wrong, make the whole event unusable. */
function checkTypes(value: Record<string, unknown>): string | undefined {
  const expectations: [string, (v: unknown) => boolean, string][] = [
    ['user', isRecord, 'an object'],
    ['objectRef', isRecord, 'an object'],
    ['responseStatus', isRecord, 'an object'],
    ['sourceIPs', Array.isArray, 'an array'],
    ['annotations', isRecord, 'an object'],
    ['requestURI', v => typeof v === 'string', 'a string'],
  ];
  for (const [field, test, expected] of expectations) {
    const fieldValue = value[field];
    if (fieldValue !== undefined && fieldValue !== null && !test(fieldValue)) {
      return `${field}: expected ${expected}, got ${describe(fieldValue)}`;
    }
  }
  return undefined;
}

function redactPresent(
  object: unknown,
  resource: string,
  subresource: string,
): boolean {
  return object !== undefined && object !== null
    ? redactObject(object, resource, subresource)
    : false;
}

const EMPTY = Buffer.alloc(0);

function encodeObject(object: unknown): Buffer {
  return object === undefined || object === null
    ? EMPTY
    : Buffer.from(JSON.stringify(object));
}

function userInfo(value: unknown): UserInfo {
  const user = isRecord(value) ? value : {};
  const extra: UserInfo['extra'] = {};
  if (isRecord(user['extra'])) {
    for (const [key, values] of Object.entries(user['extra'])) {
      extra[key] = { values: stringArray(values) };
    }
  }
  return {
    username: str(user['username']),
    uid: str(user['uid']),
    groups: stringArray(user['groups']),
    extra,
  };
}

function objectRefOf(value: unknown): ObjectRef | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  return {
    resource: str(value['resource']),
    namespace: str(value['namespace']),
    name: str(value['name']),
    uid: str(value['uid']),
    apiGroup: str(value['apiGroup']),
    apiVersion: str(value['apiVersion']),
    resourceVersion: str(value['resourceVersion']),
    subresource: str(value['subresource']),
  };
}

function statusOf(value: unknown): ResponseStatus | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  const code = value['code'];
  return {
    code: typeof code === 'number' && Number.isInteger(code) ? code : 0,
    status: str(value['status']),
    reason: str(value['reason']),
    message: str(value['message']),
  };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : [];
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'string') {
        out[key] = v;
      }
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
