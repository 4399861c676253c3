import { describe, expect, it } from 'vitest';

import { retryDelayMs } from '../../src/delivery/backoff.js';

const policy = { baseMs: 1_000, maxMs: 60_000 };

describe('retryDelayMs', () => {
  it('picks uniformly below a ceiling that doubles per attempt (full jitter)', () => {
    expect(retryDelayMs(1, policy, 0, () => 0.999999)).toBe(1_000);
    expect(retryDelayMs(2, policy, 0, () => 0.999999)).toBe(2_000);
    expect(retryDelayMs(5, policy, 0, () => 0.999999)).toBe(16_000);
    expect(retryDelayMs(3, policy, 0, () => 0.5)).toBe(2_000);
    expect(retryDelayMs(3, policy, 0, () => 0)).toBe(0);
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(retryDelayMs(7, policy, 0, () => 0.999999)).toBe(60_000);
    expect(retryDelayMs(1_000, policy, 0, () => 0.999999)).toBe(60_000);
  });

  it("waits at least the receiver's Retry-After, even beyond the cap", () => {
    expect(retryDelayMs(1, policy, 5_000, () => 0.1)).toBe(5_000);
    expect(retryDelayMs(1, policy, 120_000, () => 0.9)).toBe(120_000);
    expect(retryDelayMs(10, policy, 5_000, () => 0.9)).toBe(54_000);
  });

  it('spreads a crowd of retries over the whole window', () => {
    const delays = Array.from({ length: 1_000 }, () => retryDelayMs(4, policy));
    expect(Math.min(...delays)).toBeLessThan(800);
    expect(Math.max(...delays)).toBeGreaterThan(7_200);
    expect(delays.every(d => d >= 0 && d <= 8_000)).toBe(true);
  });
});
