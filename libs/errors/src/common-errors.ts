import { AppError } from './app-error.js';

/** A caller supplied a value that can never be accepted; names the field. */
export class InvalidArgumentError extends AppError<'INVALID_ARGUMENT'> {
  readonly field: string;

  constructor(field: string, message: string) {
    super('INVALID_ARGUMENT', `${field}: ${message}`);
    this.field = field;
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends AppError<'NOT_FOUND'> {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** A dependency (broker, database) cannot serve right now; retry later. */
export class UnavailableError extends AppError<'UNAVAILABLE'> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('UNAVAILABLE', message, { ...options, retryable: true });
  }
}
