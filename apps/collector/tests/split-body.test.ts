import { InvalidArgumentError } from '@kubeguard/errors';
import { describe, expect, it } from 'vitest';

import { splitBody } from '../src/split-body.js';

const event = (i: number): Record<string, unknown> => ({
  auditID: `a-${String(i)}`,
  verb: 'get',
  pad: 'x'.repeat(100),
});

describe('splitBody', () => {
  it('keeps a body that fits as it is', () => {
    const body = Buffer.from('{"kind":"EventList","items":[]}');
    expect(splitBody(body, 1000)).toEqual([body]);
  });

  it('cuts an EventList into EventLists under the limit, keeping every item in order', () => {
    const items = Array.from({ length: 50 }, (_, i) => event(i));
    const parts = splitBody(
      Buffer.from(JSON.stringify({ kind: 'EventList', items })),
      1000,
    );
    expect(parts.length).toBeGreaterThan(5);
    const back = parts.flatMap(p => {
      expect(p.length).toBeLessThanOrEqual(1000);
      const list = JSON.parse(p.toString()) as {
        kind: string;
        items: unknown[];
      };
      expect(list.kind).toBe('EventList');
      return list.items;
    });
    expect(back).toEqual(items);
  });

  it('cuts JSON lines between lines', () => {
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify(event(i)),
    );
    const parts = splitBody(Buffer.from(lines.join('\n')), 500);
    expect(parts.flatMap(p => p.toString().split('\n'))).toEqual(lines);
    expect(parts.every(p => p.length <= 500)).toBe(true);
  });

  it('refuses a single record larger than the limit', () => {
    const body = Buffer.from(
      JSON.stringify({
        kind: 'EventList',
        items: [{ big: 'y'.repeat(2000) }, event(1)],
      }),
    );
    expect(() => splitBody(body, 1000)).toThrow(InvalidArgumentError);
  });
});
