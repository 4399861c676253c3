import { AppError } from '@kubeguard/errors';

/** Stable codes of {@link SinkError}. */
export type SinkErrorCode =
  /** The receiver answered with a non-2xx status. */
  | 'SINK_HTTP_STATUS'
  /** The receiver answered 2xx but refused some items (Elasticsearch bulk, Splunk HEC). */
  | 'SINK_ITEMS_REJECTED'
  /** No answer within the sink's timeout. */
  | 'SINK_TIMEOUT'
  /** Could not connect, or the connection broke (refused, reset, DNS, TLS). */
  | 'SINK_UNREACHABLE'
  /** A local write failed (file, stdout). */
  | 'SINK_IO';

/** What a {@link SinkError} carries besides its message. */
export interface SinkErrorDetails {
  sinkId: string;
  retryable: boolean;
  /** HTTP status, when the receiver answered. */
  status?: number;
  /** The first few hundred characters of the receiver's answer. */
  body?: string;
  /** The receiver asked us to wait this long (Retry-After); a hint for the delivery loop. */
  retryAfterMs?: number;
  /**
   * Notification ids of the failed batch that were delivered anyway (sent
   * before the failure, or accepted items of a partly refused bulk request).
   * The delivery loop marks them done instead of sending them again.
   */
  delivered?: readonly string[];
  cause?: unknown;
}

/**
 * A sink could not deliver. `retryable` is true for 5xx, 408, 429, timeouts
 * and network errors (trying later may succeed) and false for other 4xx
 * (the payload or the credentials are wrong: retrying cannot help).
 */
export class SinkError extends AppError<SinkErrorCode> {
  readonly sinkId: string;
  readonly status: number | undefined;
  readonly body: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly delivered: readonly string[];

  constructor(code: SinkErrorCode, message: string, details: SinkErrorDetails) {
    super(code, `sink '${details.sinkId}': ${message}`, {
      retryable: details.retryable,
      ...(details.cause === undefined ? {} : { cause: details.cause }),
    });
    this.sinkId = details.sinkId;
    this.status = details.status;
    this.body = details.body;
    this.retryAfterMs = details.retryAfterMs;
    this.delivered = details.delivered ?? [];
  }

  /** The same error, with `ids` added to the delivered ones. */
  withDelivered(ids: readonly string[]): SinkError {
    if (ids.length === 0) {
      return this;
    }
    const copy = new SinkError(this.code, '', {
      sinkId: this.sinkId,
      retryable: this.retryable,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.body === undefined ? {} : { body: this.body }),
      ...(this.retryAfterMs === undefined
        ? {}
        : { retryAfterMs: this.retryAfterMs }),
      delivered: [...ids, ...this.delivered],
      cause: this.cause,
    });
    copy.message = this.message;
    return copy;
  }
}

/** The sinks file is invalid; `problems` name the file, the sink and the field. */
export class SinkConfigError extends AppError<'SINK_CONFIG_INVALID'> {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      'SINK_CONFIG_INVALID',
      `invalid sinks configuration:\n  ${problems.join('\n  ')}`,
    );
    this.problems = problems;
  }
}

/** Wraps a local write failure. */
export function ioError(sinkId: string, cause: unknown): SinkError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new SinkError('SINK_IO', `write failed: ${message}`, {
    sinkId,
    retryable: true,
    cause,
  });
}
