export { DEFAULT_AGGREGATION_LIMITS, applyDetection } from './aggregate.js';
export {
  ALERT_SCHEMA_VERSION,
  alertFromDocument,
  readAlertDocument,
  storedStatus,
} from './alert-document.js';
export { alertFilter } from './alert-filter.js';
export { CursorExpiredError } from './errors.js';
export { applyUpdate, MAX_COMMENTS } from './lifecycle.js';
export { alertIdFor, connectMongoAlertStore } from './mongo-alert-store.js';
export { compileMatch, globPattern } from './suppression-match.js';
// The delivery outbox (its own folder and barrel).
export * from './outbox/index.js';

export type {
  AggregationContext,
  AggregationLimits,
  DetectionChange,
  SuppressionRef,
} from './aggregate.js';
export type { AlertDocument, StoredStatus } from './alert-document.js';
export type { AlertFilter } from './alert-filter.js';
export type { ChangeKind } from './change-log.js';
export type { RetentionMode } from './indexes.js';
export type { AlertUpdate } from './lifecycle.js';
export type {
  AlertChangeEvent,
  AlertPage,
  AlertQuery,
  AlertStore,
  MaintenanceReport,
  MongoAlertStore,
  MongoAlertStoreOptions,
  RecordResult,
} from './mongo-alert-store.js';
export type { CompiledMatch, StoredMatch } from './suppression-match.js';
export type { NewSuppression } from './suppressions.js';
