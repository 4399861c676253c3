export { serverStreaming, unary } from './handlers.js';
export { startGrpcServer } from './server.js';
export { toServiceError } from './status.js';

export type {
  GrpcServer,
  GrpcServerOptions,
  ServiceBinding,
} from './server.js';
