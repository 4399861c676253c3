export { AppError, errorCode, errorMessage, isRetryable } from './app-error.js';
export {
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from './common-errors.js';

export type { AppErrorOptions } from './app-error.js';
