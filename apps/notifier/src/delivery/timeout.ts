import { AppError } from '@kubeguard/errors';

/** A send that outlived its time; retryable like any timeout. */
export class SendTimeoutError extends AppError<'SEND_TIMEOUT'> {
  constructor(sinkId: string, ms: number) {
    super(
      'SEND_TIMEOUT',
      `sink '${sinkId}' did not answer within ${String(ms)} ms`,
      { retryable: true },
    );
  }
}

/**
 * Resolves like `work`, or rejects with `error()` after `ms`. The abandoned
 * work keeps running; a later failure of it is ignored.
 */
export function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  error: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
