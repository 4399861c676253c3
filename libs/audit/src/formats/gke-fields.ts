import { isRecord } from '../payload.js';

const DECISION = 'authorization.k8s.io/decision';

// Field by field, the parts of a GKE entry that map onto an audit Event.
// Each pushes the paths it had to guess onto `inferred`.

/** user, sourceIPs and userAgent from authenticationInfo and requestMetadata. */
export function identityOf(
  payload: Record<string, unknown>,
  inferred: string[],
): Record<string, unknown> {
  const auth = record(payload['authenticationInfo']);
  const user: Record<string, unknown> = {};
  if (typeof auth['principalEmail'] === 'string') {
    user['username'] = auth['principalEmail'];
  }
  // GKE does not log groups.
  user['groups'] = [];
  inferred.push('user.groups');
  const identity: Record<string, unknown> = { user };
  const meta = record(payload['requestMetadata']);
  if (typeof meta['callerIp'] === 'string' && meta['callerIp'] !== '') {
    identity['sourceIPs'] = [meta['callerIp']];
  }
  if (typeof meta['callerSuppliedUserAgent'] === 'string') {
    identity['userAgent'] = meta['callerSuppliedUserAgent'];
  }
  return identity;
}

/** The level the API server must have logged at, judging by what is present. */
export function levelOf(
  payload: Record<string, unknown>,
  inferred: string[],
): string {
  inferred.push('level');
  if (payload['response'] !== undefined) {
    return 'RequestResponse';
  }
  return payload['request'] !== undefined ? 'Request' : 'Metadata';
}

/**
 * GKE writes one entry per request, so ResponseComplete; an entry marked
 * `operation.first` whose `last` is still to come is a long-running request
 * that has only started answering.
 */
export function stageOf(
  entry: Record<string, unknown>,
  inferred: string[],
): string {
  inferred.push('stage');
  const operation = record(entry['operation']);
  const first = isTrue(operation['first']);
  return first && !isTrue(operation['last'])
    ? 'ResponseStarted'
    : 'ResponseComplete';
}

/** One timestamp for both: GKE's `timestamp`, else when Logging received it. */
export function timestampsOf(
  entry: Record<string, unknown>,
  inferred: string[],
): Record<string, string> {
  const timestamp = entry['timestamp'];
  if (typeof timestamp === 'string') {
    inferred.push('stageTimestamp');
    return { requestReceivedTimestamp: timestamp, stageTimestamp: timestamp };
  }
  const received = entry['receiveTimestamp'];
  if (typeof received === 'string') {
    inferred.push('requestReceivedTimestamp', 'stageTimestamp');
    return { requestReceivedTimestamp: received, stageTimestamp: received };
  }
  return {};
}

/**
 * The LogEntry's labels are the audit annotations; `protoPayload.metadata`
 * may add more. Without a logged decision, authorizationInfo gives one.
 */
export function annotationsOf(
  entry: Record<string, unknown>,
  payload: Record<string, unknown>,
  inferred: string[],
): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const source of [payload['metadata'], entry['labels']]) {
    for (const [key, value] of Object.entries(record(source))) {
      if (typeof value === 'string' && key !== '@type') {
        annotations[key] = value;
      }
    }
  }
  const checks = authorizations(payload);
  if (annotations[DECISION] === undefined && checks.length > 0) {
    // proto3 JSON leaves out false, so a missing `granted` is a refusal.
    const allowed = checks.every(check => check['granted'] === true);
    annotations[DECISION] = allowed ? 'allow' : 'forbid';
    inferred.push(`annotations.${DECISION}`);
  }
  return annotations;
}

/** The authorizationInfo checks that are objects. */
export function authorizations(
  payload: Record<string, unknown>,
): Record<string, unknown>[] {
  const infos = payload['authorizationInfo'];
  return Array.isArray(infos) ? infos.filter(isRecord) : [];
}

/** Copies request/response without the protobuf `@type` key. */
export function copyObject(
  value: unknown,
  event: Record<string, unknown>,
  field: string,
): void {
  if (isRecord(value)) {
    const copy = { ...value };
    delete copy['@type'];
    event[field] = copy;
  }
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}
