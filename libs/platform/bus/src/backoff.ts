/**
 * Delay before redelivering a message whose handler failed for the n-th
 * time (n starts at 1): doubles from `baseMs` up to `maxMs`, with up to 20 %
 * jitter so a crowd of failed messages does not come back at once.
 */
export function redeliveryDelayMs(
  deliveryCount: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(deliveryCount - 1, 0), 30);
  const delay = Math.min(baseMs * 2 ** exponent, maxMs);
  return Math.round(delay * (1 - 0.2 * random()));
}
