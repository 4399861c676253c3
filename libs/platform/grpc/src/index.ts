export {
  ANONYMOUS,
  authInterceptor,
  PRINCIPAL_METADATA_KEY,
  principalOf,
} from './auth.js';
export { callUnary } from './client.js';
export { serverStreaming, unary } from './handlers.js';
export { startGrpcServer } from './server.js';
export { toServiceError } from './status.js';

export type { GrpcAuthOptions } from './auth.js';
export type { UnaryMethod } from './client.js';
export type {
  GrpcServer,
  GrpcTlsOptions,
  GrpcServerOptions,
  ServiceBinding,
} from './server.js';
