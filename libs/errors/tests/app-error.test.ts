import { describe, expect, it } from 'vitest';

import {
  AppError,
  InvalidArgumentError,
  UnavailableError,
  errorMessage,
  isRetryable,
} from '../src/index.js';

describe('AppError', () => {
  it('carries its code, class name, cause and retryability', () => {
    const cause = new Error('socket closed');
    const err = new UnavailableError('nats is not reachable', { cause });
    expect(err).toBeInstanceOf(AppError);
    expect(err.name).toBe('UnavailableError');
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.cause).toBe(cause);
    expect(err.retryable).toBe(true);
  });

  it('names the field first in an invalid-argument message', () => {
    const err = new InvalidArgumentError(
      'page_size',
      "must be at most 1000, got '5000'",
    );
    expect(err.message).toBe("page_size: must be at most 1000, got '5000'");
    expect(err.field).toBe('page_size');
    expect(err.retryable).toBe(false);
  });

  it('treats unknown errors as retryable and our permanent ones as not', () => {
    expect(isRetryable(new Error('ECONNRESET'))).toBe(true);
    expect(isRetryable(new AppError('DECODE_FAILED', 'bad bytes'))).toBe(false);
    expect(errorMessage('plain string')).toBe('plain string');
  });
});
