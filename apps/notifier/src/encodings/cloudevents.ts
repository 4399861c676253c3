import type { Notification } from '../sinks/sink.js';
import { alertTime, severityName } from './alert-facts.js';
import { encodeNativeJson } from './native-json.js';
import type { EncodeContext, Encoder } from './types.js';

/** Prefix of the CloudEvents `type`; the change is appended, e.g. `io.kubeguard.alert.created`. */
export const CLOUDEVENT_TYPE_PREFIX = 'io.kubeguard.alert.';

/**
 * A CloudEvents 1.0 event in structured JSON mode: `id` is the notification
 * id (a redelivery has the same id, so consumers can de-duplicate), `subject`
 * the alert id, `data` the native JSON payload. Extension attributes
 * `severity` and `cluster` let routers filter without reading `data`.
 */
export function encodeCloudEvent(
  notification: Notification,
  context: EncodeContext,
): Record<string, unknown> {
  const { alert } = notification;
  const event: Record<string, unknown> = {
    specversion: '1.0',
    id: notification.id,
    source: context.source,
    type: `${CLOUDEVENT_TYPE_PREFIX}${notification.change}`,
    subject: alert.alertId,
    time: alertTime(alert, context.now).toISOString(),
    datacontenttype: 'application/json',
    severity: severityName(alert.severity),
  };
  if (alert.cluster !== '') {
    event['cluster'] = alert.cluster;
  }
  event['data'] = encodeNativeJson(notification);
  return event;
}

/** The `cloudevents` encoding (structured mode). */
export const cloudEventsEncoder: Encoder = {
  name: 'cloudevents',
  mediaType: 'application/cloudevents+json; charset=utf-8',
  encode: (notification, context) => ({
    format: 'json',
    value: encodeCloudEvent(notification, context),
  }),
};
