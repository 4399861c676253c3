/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Pause between probes (default 50 ms). */
  intervalMs?: number;
  /** What we wait for, used in the timeout message (default "condition"). */
  what?: string;
}

const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Polls `probe` until it returns something other than `undefined` and resolves with that value.
 * A throwing (or rejecting) probe counts as "not yet"; its message is reported on timeout.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 50;
  const what = options.what ?? 'condition';
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let failed = false;

  for (;;) {
    try {
      // Race against the deadline so a hanging probe cannot stretch the timeout.
      const value = await raceDeadline(
        Promise.resolve().then(probe),
        deadline - Date.now(),
      );
      if (value !== TIMED_OUT && value !== undefined) return value;
    } catch (error) {
      lastError = error;
      failed = true;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const detail = failed ? `; last error: ${errorMessage(lastError)}` : '';
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for ${what}${detail}`,
        failed ? { cause: lastError } : undefined,
      );
    }
    await sleep(Math.min(intervalMs, remaining));
  }
}

function raceDeadline<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>(resolve => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(ms, 0));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
