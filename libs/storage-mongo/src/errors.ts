import { AppError, UnavailableError, errorMessage } from '@kubeguard/errors';
import { MongoServerError } from 'mongodb';

/**
 * A stream cursor points before the oldest change still kept: the caller
 * missed changes and must list alerts again, then stream from the list's
 * `stream_cursor`.
 */
export class CursorExpiredError extends AppError<'FAILED_PRECONDITION'> {
  constructor(message: string) {
    super('FAILED_PRECONDITION', message);
  }
}

const DUPLICATE_KEY = 11000;

/** Whether a write failed on a unique index (`_id` or another one). */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

/**
 * Whether the server refused only because another write held the database:
 * FerretDB on SQLite answers concurrent writes with SQLITE_BUSY instead of
 * waiting. Nothing was written, so the same request may simply be sent again.
 */
export function isBusy(err: unknown): boolean {
  return (
    err instanceof MongoServerError &&
    /database is locked|SQLITE_BUSY/.test(err.message)
  );
}

/** Whether the server does not implement a feature (FerretDB: TTL indexes). */
export function isNotImplemented(err: unknown): boolean {
  return (
    err instanceof MongoServerError &&
    (err.code === 238 || err.codeName === 'NotImplemented')
  );
}

/** Our own errors as they are; anything else as a retryable UnavailableError. */
export function asAppError(err: unknown): Error {
  return err instanceof AppError
    ? err
    : new UnavailableError(`mongodb request failed: ${errorMessage(err)}`, {
        cause: err,
      });
}
