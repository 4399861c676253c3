import { describe, expect, it } from 'vitest';

import {
  boundedValue,
  groupKeyOf,
  keyPart,
  stateKey,
} from '../../src/stateful/keys.js';

describe('keyPart', () => {
  it.each([
    ['a string', 'alice', 'alice'],
    ['an int (BigInt)', 404n, '404'],
    ['a double', 404, '404'],
    ['a fraction', 0.5, '0.5'],
    ['minus zero', -0, '0'],
    ['true', true, 'true'],
    ['null', null, ''],
    ['undefined', undefined, ''],
    ['a list', ['a', 1n, true], '["a","1","true"]'],
    ['a map object, keys sorted', { b: 1, a: 'x' }, '[["a","x"],["b","1"]]'],
    [
      'a Map, keys sorted',
      new Map<unknown, unknown>([
        ['b', 1n],
        ['a', 'x'],
      ]),
      '[["a","x"],["b","1"]]',
    ],
    ['bytes', new Uint8Array([1, 2, 3]), 'AQID'],
    [
      'a timestamp',
      new Date(Date.UTC(2026, 10, 20)),
      '2026-11-20T00:00:00.000Z',
    ],
  ] as const)('%s', (_name, value, expected) => {
    expect(keyPart(value)).toBe(expected);
  });

  it('puts an int and the same double in one group', () => {
    expect(groupKeyOf('c', [5n])).toBe(groupKeyOf('c', [5]));
  });

  it('cannot run two parts together', () => {
    expect(groupKeyOf('c', ['a', 'b'])).not.toBe(groupKeyOf('c', ['a b']));
    expect(groupKeyOf('c', ['a", "b'])).not.toBe(groupKeyOf('c', ['a', 'b']));
    expect(groupKeyOf('c1', ['x'])).not.toBe(groupKeyOf('c', ['1x']));
  });
});

describe('boundedValue', () => {
  it('keeps short values and shortens long ones, keeping them apart', () => {
    expect(boundedValue('short')).toBe('short');
    const a = boundedValue(`${'x'.repeat(400)}a`);
    const b = boundedValue(`${'x'.repeat(400)}b`);
    expect(a.length).toBeLessThanOrEqual(256);
    expect(a).not.toBe(b);
    expect(boundedValue(`${'x'.repeat(400)}a`)).toBe(a);
  });
});

describe('stateKey', () => {
  it.each([
    ['ascii', '["c","alice"]'],
    ['unicode and separators', '["c","ünï cödé/.*>"]'],
    ['empty', ''],
  ])('is a valid NATS KV key for %s groups', (_name, group) => {
    const key = stateKey('secret-read-burst', group);
    expect(key).toMatch(/^secret-read-burst\.[0-9a-f]{64}$/);
    expect(key).toMatch(/^[-/_=.a-zA-Z0-9]+$/);
  });
});
