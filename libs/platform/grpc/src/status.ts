import { AppError, errorCode } from '@kubeguard/errors';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';

/** Stable error codes and the gRPC status each one means. */
const statusByCode: Record<string, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  UNAVAILABLE: status.UNAVAILABLE,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
};

/**
 * The one mapping from thrown errors to gRPC statuses. Our own errors keep
 * their message (written for the caller); anything else becomes INTERNAL with
 * a generic message, so internals never leak to clients.
 */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const appCode = errorCode(err);
  if (err instanceof AppError && appCode !== undefined) {
    const code = statusByCode[appCode];
    if (code !== undefined) {
      return { code, details: err.message, metadata: new Metadata() };
    }
    if (err.retryable) {
      return {
        code: status.UNAVAILABLE,
        details: err.message,
        metadata: new Metadata(),
      };
    }
  }
  return {
    code: status.INTERNAL,
    details: 'internal error',
    metadata: new Metadata(),
  };
}

/** Whether the error would be reported as INTERNAL (and so deserves a log line). */
export function isInternal(err: unknown): boolean {
  return toServiceError(err).code === status.INTERNAL;
}
