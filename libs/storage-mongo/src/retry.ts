import { setTimeout as sleep } from 'node:timers/promises';

import { asAppError, isBusy } from './errors.js';

const BUSY_ATTEMPTS = 10;

/**
 * Runs one database request, sending it again while the server reports the
 * database busy (with a short jittered backoff). Only the one request is
 * repeated, never a sequence of them, so a write that did happen is never
 * done twice. Other errors are thrown as they are.
 */
export async function request<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (!isBusy(err) || attempt >= BUSY_ATTEMPTS) {
        throw err;
      }
      await sleep(Math.random() * 5 * 2 ** attempt);
    }
  }
}

/** Runs a store operation, reporting failures as AppErrors (see {@link asAppError}). */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asAppError(err);
  }
}
