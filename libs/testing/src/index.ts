export { freePort } from './free-port.js';
export {
  ensureFerretDb,
  FERRETDB_VERSION,
  ferretDbCacheDir,
  startMongoServer,
} from './mongo-server.js';
export type {
  MongoServerHandle,
  MongoServerKind,
  MongoServerOptions,
} from './mongo-server.js';
export { findExecutable } from './child-process.js';
export { findNatsServer, startNatsServer } from './nats-server.js';
export type { NatsServerHandle, NatsServerOptions } from './nats-server.js';
export { waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export { REPO_ROOT, startService } from './service-process.js';
export type {
  ServiceName,
  ServiceOptions,
  ServiceProcess,
} from './service-process.js';
export { send } from './https-client.js';
export type { Reply, SendOptions } from './https-client.js';
export { makeTestPki } from './pki.js';
export type { TestPki } from './pki.js';
export { readStream } from './read-stream.js';
