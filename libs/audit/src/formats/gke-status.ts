import { isRecord } from '../payload.js';
import { type Rejection } from '../rejection.js';
import { wrongType } from './result.js';

/**
 * google.rpc.Code → the HTTP code and Kubernetes StatusReason the API server
 * most likely answered. Several HTTP codes share one rpc code (400 and 422
 * are both INVALID_ARGUMENT), so the result is always marked inferred.
 */
const RPC_TO_HTTP = new Map<number, readonly [number, string]>([
  [1, [499, '']], // CANCELLED: the client went away
  [2, [500, 'InternalError']], // UNKNOWN
  [3, [400, 'BadRequest']], // INVALID_ARGUMENT (or 422 Invalid)
  [4, [504, 'Timeout']], // DEADLINE_EXCEEDED
  [5, [404, 'NotFound']],
  [6, [409, 'AlreadyExists']],
  [7, [403, 'Forbidden']], // PERMISSION_DENIED
  [8, [429, 'TooManyRequests']], // RESOURCE_EXHAUSTED
  [9, [400, 'BadRequest']], // FAILED_PRECONDITION
  [10, [409, 'Conflict']], // ABORTED
  [11, [400, 'BadRequest']], // OUT_OF_RANGE
  [12, [501, '']], // UNIMPLEMENTED
  [13, [500, 'InternalError']],
  [14, [503, 'ServiceUnavailable']],
  [15, [500, 'InternalError']], // DATA_LOSS
  [16, [401, 'Unauthorized']], // UNAUTHENTICATED
]);

// exec, attach and portforward answer success with 101 Switching Protocols.
const UPGRADING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/**
 * The audit `responseStatus` of a GKE entry: copied from a Kubernetes Status
 * in `response` when there is one, else mapped from the rpc `status.code`
 * (field paths of guesses are pushed onto `inferred`).
 */
export function responseStatus(
  payload: Record<string, unknown>,
  subresource: string | undefined,
  inferred: string[],
): { responseStatus: Record<string, unknown> } | Rejection {
  const response = payload['response'];
  if (isRecord(response) && isStatus(response)) {
    const status: Record<string, unknown> = {};
    for (const key of ['code', 'status', 'reason', 'message']) {
      if (response[key] !== undefined) {
        status[key] = response[key];
      }
    }
    return { responseStatus: status };
  }
  const rpc = isRecord(payload['status']) ? payload['status'] : {};
  const code = rpc['code'] ?? 0;
  if (typeof code !== 'number') {
    return wrongType('protoPayload.status.code', 'a number', code);
  }
  inferred.push('responseStatus.code');
  if (code === 0) {
    // 201 for a create is not knowable from the rpc code: 200 it is.
    const upgrade =
      subresource !== undefined && UPGRADING_SUBRESOURCES.has(subresource);
    return { responseStatus: { code: upgrade ? 101 : 200 } };
  }
  const [http, reason] = RPC_TO_HTTP.get(code) ?? [500, 'InternalError'];
  const status: Record<string, unknown> = { code: http, status: 'Failure' };
  if (reason !== '') {
    status['reason'] = reason;
    inferred.push('responseStatus.reason');
  }
  if (typeof rpc['message'] === 'string') {
    status['message'] = rpc['message'];
  }
  return { responseStatus: status };
}

/** A Kubernetes `Status` object with a numeric code, as GKE logs failures. */
function isStatus(response: Record<string, unknown>): boolean {
  const type = response['@type'];
  return (
    typeof response['code'] === 'number' &&
    (response['kind'] === 'Status' ||
      (typeof type === 'string' && type.endsWith('.Status')))
  );
}
