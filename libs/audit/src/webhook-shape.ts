import { isRecord, preview } from './payload.js';

/** What a webhook body holds, or why it is refused. */
export type WebhookShape =
  | { readonly ok: true; readonly events: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks that a webhook body is what the kube-apiserver sends: one JSON
 * `EventList` of `audit.k8s.io` events, or a single `Event`. Only the
 * envelope is checked; events are validated one by one downstream.
 */
export function checkWebhookBody(text: string): WebhookShape {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      reason: `body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (!isRecord(document)) {
    return {
      ok: false,
      reason: 'body must be a JSON object: an audit.k8s.io EventList or Event',
    };
  }
  const apiVersion = document['apiVersion'];
  if (
    apiVersion !== undefined &&
    apiVersion !== 'audit.k8s.io/v1' &&
    apiVersion !== 'audit.k8s.io/v1beta1'
  ) {
    return {
      ok: false,
      reason: `apiVersion must be audit.k8s.io/v1 or v1beta1, got '${preview(apiVersion)}'`,
    };
  }
  const kind = document['kind'];
  if (kind === 'EventList') {
    const items = document['items'];
    if (!Array.isArray(items)) {
      return { ok: false, reason: 'EventList.items must be an array' };
    }
    return { ok: true, events: items.length };
  }
  if (kind === 'Event') {
    return { ok: true, events: 1 };
  }
  return {
    ok: false,
    reason: `kind must be 'EventList' or 'Event', got ${kind === undefined ? 'none' : `'${preview(kind)}'`}`,
  };
}
