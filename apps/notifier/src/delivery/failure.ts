import { AppError, errorMessage, isRetryable } from '@kubeguard/errors';

import { SinkError } from '../sinks/errors.js';

/** What the delivery loop needs to know about a failed send. */
export interface SendFailure {
  /** Whether trying again later may succeed. */
  retryable: boolean;
  /** The receiver's own wait hint (HTTP Retry-After), 0 when none. */
  retryAfterMs: number;
  /** Ids of the batch the receiver got before the failure: done, not to be sent again. */
  delivered: readonly string[];
  /** Short reason, stored on the outbox item. */
  message: string;
}

/**
 * Classifies what `Sink.send` threw. Sinks throw {@link SinkError} telling
 * whether a retry may help, the receiver's Retry-After and what went through;
 * anything else (a bug, an error nobody wrapped) counts as retryable, since
 * attempts are bounded anyway.
 */
export function describeFailure(err: unknown): SendFailure {
  const sinkError = err instanceof SinkError ? err : undefined;
  return {
    retryable: isRetryable(err),
    retryAfterMs: Math.max(sinkError?.retryAfterMs ?? 0, 0),
    delivered: sinkError?.delivered ?? [],
    message: reasonOf(err),
  };
}

function reasonOf(err: unknown): string {
  const message = errorMessage(err);
  const reason = err instanceof AppError ? `${err.code}: ${message}` : message;
  // Bounded: a receiver may answer with a whole HTML page.
  return reason.length > 1000 ? `${reason.slice(0, 1000)}…` : reason;
}
