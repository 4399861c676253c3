import { silentLogger } from '@kubeguard/log';
import { describe, expect, it } from 'vitest';

import { createLifecycle } from '../src/index.js';

const log = silentLogger();

describe('createLifecycle', () => {
  it('runs stop steps in reverse order of registration', async () => {
    const life = createLifecycle({
      log,
      signals: [],
      handleProcessErrors: false,
    });
    const order: string[] = [];
    life.onStop('mongo', () => {
      order.push('mongo');
    });
    life.onStop('bus', async () => {
      await new Promise(r => setTimeout(r, 5));
      order.push('bus');
    });
    life.onStop('http', () => {
      order.push('http');
    });
    expect(life.isStopping()).toBe(false);
    const code = await life.stop('test');
    expect(code).toBe(0);
    expect(order).toEqual(['http', 'bus', 'mongo']);
    expect(await life.stopped).toBe(0);
    expect(life.isStopping()).toBe(true);
  });

  it('keeps going after a failing step and exits with 1', async () => {
    const life = createLifecycle({
      log,
      signals: [],
      handleProcessErrors: false,
    });
    const order: string[] = [];
    life.onStop('first', () => {
      order.push('first');
    });
    life.onStop('broken', () => {
      throw new Error('boom');
    });
    expect(await life.stop('test')).toBe(1);
    expect(order).toEqual(['first']);
  });

  it('gives up after forceMs with exit code 1', async () => {
    const life = createLifecycle({
      log,
      signals: [],
      handleProcessErrors: false,
      forceMs: 20,
    });
    life.onStop('hangs', () => new Promise<void>(() => undefined));
    expect(await life.stop('test')).toBe(1);
  });

  it('stops on a signal it was told to handle', async () => {
    const life = createLifecycle({
      log,
      signals: ['SIGUSR2'],
      handleProcessErrors: false,
    });
    process.kill(process.pid, 'SIGUSR2');
    expect(await life.stopped).toBe(0);
  });
});
