import { Alert } from '@kubeguard/contracts';

import type { Notification } from '../sinks/sink.js';
import type { Encoder, Payload } from './types.js';

/** Identifies the shape below; bumped only on an incompatible change. */
export const NATIVE_SCHEMA = 'kubeguard.notification.v1';

// Fields the protobuf JSON mapping omits when empty, with the value they
// then have: enums by name, nested messages with their own fields, times as
// null. Other fields default by their type (see emptyValue).
const ALERT_DEFAULTS: Readonly<Record<string, unknown>> = {
  severity: 'SEVERITY_UNSPECIFIED',
  status: 'ALERT_STATUS_UNSPECIFIED',
  outcome: 'OUTCOME_UNSPECIFIED',
  actor: {
    username: '',
    groups: [],
    sourceIps: [],
    userAgent: '',
    impersonatedUsername: '',
  },
  target: {
    verb: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    apiGroup: '',
  },
  workload: {
    images: [],
    privileged: false,
    hostPaths: [],
    serviceAccount: '',
  },
  evidence: {
    auditIds: [],
    firstSeen: null,
    lastSeen: null,
    count: 0,
    matched: {},
  },
  createdAt: null,
  updatedAt: null,
};

// Every field of the contract, at its empty value.
const EMPTY_ALERT = Alert.fromPartial({}) as unknown as Record<string, unknown>;

// The change log of the alert: up to 200 entries, too heavy for every
// notification; GetAlert returns it.
const LEFT_OUT = new Set(['history']);

/**
 * The alert as JSON: the protobuf JSON mapping of `kubeguard.v1.Alert`
 * (camelCase keys, enums by their proto names such as `SEVERITY_HIGH` and
 * `ALERT_STATUS_NEW`, timestamps as RFC 3339 UTC strings, as
 * `npm run alerts -- --json` prints it), with every field of the contract
 * present (empty string, empty list, `false`, `0`, `null` for a missing time
 * or message) except `history`, which GetAlert returns. Fields added to the
 * contract later appear under their own camelCase names.
 */
export function alertJson(alert: Alert): Record<string, unknown> {
  const mapped = Alert.toJSON(alert) as Record<string, unknown>;
  const merged: Record<string, unknown> = {};
  for (const [key, empty] of Object.entries(EMPTY_ALERT)) {
    if (LEFT_OUT.has(key)) {
      continue;
    }
    const value = mapped[key];
    const fallback =
      key in ALERT_DEFAULTS ? ALERT_DEFAULTS[key] : emptyValue(empty);
    merged[key] =
      value === undefined
        ? fallback
        : isPlainObject(fallback)
          ? { ...fallback, ...(value as Record<string, unknown>) }
          : value;
  }
  return merged;
}

/** The JSON of an unset field, from its value in an empty Alert. */
function emptyValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    return [];
  }
  return value === undefined ? null : value;
}

/**
 * Native JSON, a stable documented shape:
 * ```
 * { "schema": "kubeguard.notification.v1",
 *   "id": "<notification id: same on a redelivery, use it to de-duplicate>",
 *   "change": "created" | "updated" | "reopened" | "resolved" | "test",
 *   "repeats": <notifications of this alert a digest folded into this one, >= 1>,
 *   "alert": <alertJson(alert)> }
 * ```
 */
export function encodeNativeJson(
  notification: Notification,
): Record<string, unknown> {
  return {
    schema: NATIVE_SCHEMA,
    id: notification.id,
    change: notification.change,
    repeats: notification.repeats ?? 1,
    alert: alertJson(notification.alert),
  };
}

/** The `json` encoding. */
export const nativeJsonEncoder: Encoder = {
  name: 'json',
  mediaType: 'application/json',
  encode: (notification): Payload => ({
    format: 'json',
    value: encodeNativeJson(notification),
  }),
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
