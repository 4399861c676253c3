export { loadSinksConfig, parseSinksConfig } from './config.js';
export { createSinks } from './create-sinks.js';
export { resolveDeps } from './deps.js';
export { SinkConfigError, SinkError } from './errors.js';
export {
  excerpt,
  isRetryableStatus,
  parseRetryAfter,
  postHttp,
} from './http.js';
export { alertmanagerAlert, ALERTMANAGER_PATH } from './kinds/alertmanager.js';
export { bulkBody } from './kinds/elasticsearch.js';
export {
  PAGERDUTY_EVENTS_URL,
  pagerdutyDedupKey,
  pagerdutyEvent,
} from './kinds/pagerduty.js';
export { escapeSlack, slackMessage } from './kinds/slack.js';
export { HEC_EVENT_PATH, hecBody } from './kinds/splunk-hec.js';
export {
  FACILITIES,
  formatSyslog,
  frameOctetCounted,
  syslogSeverity,
} from './kinds/syslog-format.js';
export { ADAPTIVE_CARD_TYPE, teamsMessage } from './kinds/teams.js';
export { createSinkPolicy } from './policy.js';
export { createRouteFilter, globMatcher } from './routing.js';
export { createSink, isSinkKind, SINK_KINDS } from './registry.js';
export { TEST_RULE_ID, testNotification } from './test-notification.js';
export { TokenBucket } from './token-bucket.js';
export {
  DEFAULT_TOLERANCE_MS,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from './webhook-signature.js';

export type { SinksConfig } from './config.js';
export type { ConfiguredSink } from './create-sinks.js';
export type { ResolvedDeps, SinkDeps } from './deps.js';
export type { SinkErrorCode, SinkErrorDetails } from './errors.js';
export type { Plan, PolicyConfig, SinkPolicy } from './policy.js';
export type { RouteConfig } from './routing.js';
export type { SinkConfig, SinkKind } from './registry.js';
export type { AlertChange, Notification, Sink } from './sink.js';
export type { SignedRequest } from './webhook-signature.js';
