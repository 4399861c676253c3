/** Bounds of the retry delay. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before the next attempt after `attempts` failed ones (1 or more):
 * "full jitter", a uniform pick in [0, min(max, base × 2^(attempts-1))], so
 * notifications that failed together (a receiver outage) do not come back
 * together. A receiver's own hint (HTTP Retry-After) is a floor.
 */
export function retryDelayMs(
  attempts: number,
  policy: BackoffPolicy,
  retryAfterMs = 0,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
  return Math.max(Math.round(ceiling * random()), retryAfterMs);
}
