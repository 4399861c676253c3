export { ALERT_SCHEMA_VERSION } from './alert-document.js';
export { connectMongoAlertStore } from './mongo-alert-store.js';

export type { AlertDocument, StoredStatus } from './alert-document.js';
export type {
  AlertPage,
  AlertQuery,
  AlertStore,
  MongoAlertStoreOptions,
} from './mongo-alert-store.js';
