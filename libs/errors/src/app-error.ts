/** Options accepted by every {@link AppError}. */
export interface AppErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown;
  /**
   * Whether retrying the same work may succeed (a broker that is down) or
   * cannot (input that will never decode).
   * @default false
   */
  retryable?: boolean;
}

/**
 * Base class of every error Kubeguard throws on purpose: a stable
 * machine-readable `code` and whether the failed work may be retried.
 */
export class AppError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly retryable: boolean;

  constructor(code: Code, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * Whether an error may go away on retry. Errors we did not raise ourselves
 * (a socket reset, a driver timeout) are treated as retryable; retries are
 * bounded by the caller.
 */
export function isRetryable(err: unknown): boolean {
  return err instanceof AppError ? err.retryable : true;
}

/** The stable code of one of our errors; undefined for any other thrown value. */
export function errorCode(err: unknown): string | undefined {
  return err instanceof AppError ? (err as AppError<string>).code : undefined;
}

/** A short message for any thrown value, for logs and dead-letter reasons. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
