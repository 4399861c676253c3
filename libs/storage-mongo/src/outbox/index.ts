export { connectMongoOutbox } from './connect-outbox.js';
export { createMongoOutbox } from './mongo-outbox.js';
export { OUTBOX_SCHEMA_VERSION } from './outbox-document.js';

export type {
  ConnectOutboxOptions,
  ConnectedOutbox,
} from './connect-outbox.js';
export type {
  ClaimOptions,
  DeadQuery,
  LeasedItem,
  MongoOutboxOptions,
  Outbox,
  OutboxCounts,
  ReplaySelector,
} from './mongo-outbox.js';
export type {
  OutboxDocument,
  OutboxEntry,
  OutboxItem,
  OutboxState,
} from './outbox-document.js';
