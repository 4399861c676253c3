import { SinkError } from './errors.js';
import type { Notification } from './sink.js';

/**
 * Sends a batch one notification at a time, in order. When one fails, the
 * error tells which ids went through before it (`SinkError.delivered`), so a
 * retry does not deliver them twice.
 */
export async function sendEach(
  batch: readonly Notification[],
  sendOne: (notification: Notification) => Promise<void>,
): Promise<void> {
  const delivered: string[] = [];
  for (const notification of batch) {
    try {
      await sendOne(notification);
    } catch (error) {
      throw error instanceof SinkError ? error.withDelivered(delivered) : error;
    }
    delivered.push(notification.id);
  }
}

/** Runs calls one after another, so concurrent sends cannot interleave. */
export function serialized<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  return (...args) => {
    const run = tail.then(() => fn(...args));
    tail = run.catch(() => undefined);
    return run;
  };
}
