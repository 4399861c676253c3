import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createLogger } from '../src/index.js';

function capture(): {
  lines: () => Record<string, unknown>[];
  stream: Writable;
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map(line => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with service, level name, message and child fields', () => {
    const out = capture();
    const log = createLogger({ service: 'detector', destination: out.stream });
    log.child({ component: 'bus' }).warn('consumer lagging', { pending: 3 });
    expect(out.lines()).toEqual([
      expect.objectContaining({
        service: 'detector',
        component: 'bus',
        level: 'warn',
        msg: 'consumer lagging',
        pending: 3,
      }),
    ]);
  });

  it('drops lines below the configured level', () => {
    const out = capture();
    const log = createLogger({
      service: 'x',
      level: 'warn',
      destination: out.stream,
    });
    log.info('not shown');
    log.error('shown');
    expect(out.lines().map(l => l['msg'])).toEqual(['shown']);
  });
});
