import { describe, expect, it } from 'vitest';

import {
  at,
  firedAt,
  MINUTE,
  normalizeAll,
  replay,
  ruleOf,
  T0,
  testPack,
} from './replay.js';

const pack = testPack({
  names: {
    condition: "objectRef.resource == 'secrets'",
    aggregate: [
      'aggregate:',
      '  type: distinct',
      '  groupBy: [user.username]',
      '  distinct: objectRef.name',
      '  window: 10m',
      '  threshold: 3',
    ].join('\n'),
  },
  codes: {
    condition: 'true',
    aggregate: [
      'aggregate:',
      '  type: distinct',
      '  groupBy: [user.username, responseStatus.code]',
      '  distinct: int(responseStatus.code) * 2',
      '  window: 10m',
      '  threshold: 2',
    ].join('\n'),
  },
});
const names = ruleOf(pack, 'names');

function read(ms: number, name: string, user = 'alice') {
  return {
    verb: 'get',
    objectRef: { resource: 'secrets', namespace: 'shop', name },
    user: { username: user, groups: ['system:authenticated'] },
    stageTimestamp: at(ms),
  };
}

describe('distinct windows', () => {
  it.each([
    [
      'three names',
      [
        [0, 'a'],
        [1, 'b'],
        [2, 'c'],
      ],
      [2],
    ],
    [
      'one name many times',
      [
        [0, 'a'],
        [1, 'a'],
        [2, 'a'],
        [3, 'a'],
      ],
      [],
    ],
    [
      'two names, repeated',
      [
        [0, 'a'],
        [1, 'b'],
        [2, 'a'],
        [3, 'b'],
      ],
      [],
    ],
    [
      'the third name exactly one window later',
      [
        [0, 'a'],
        [1, 'b'],
        [10 * MINUTE, 'c'],
      ],
      [],
    ],
    [
      'the third name just inside',
      [
        [0, 'a'],
        [1, 'b'],
        [10 * MINUTE - 1, 'c'],
      ],
      [2],
    ],
    [
      'a repeat keeps a name in the window',
      [
        [0, 'a'],
        [1, 'b'],
        [9 * MINUTE, 'a'],
        [11 * MINUTE, 'c'],
      ],
      [],
    ],
    [
      'a repeat refreshes the name',
      [
        [0, 'a'],
        [5 * MINUTE, 'b'],
        [9 * MINUTE, 'a'],
        [12 * MINUTE, 'c'],
      ],
      [3],
    ],
    [
      'once per burst, then again after the window',
      [
        [0, 'a'],
        [1, 'b'],
        [2, 'c'],
        [3, 'd'],
        [5 * MINUTE, 'e'],
        [10 * MINUTE, 'f'],
        [10 * MINUTE + 1, 'g'],
        [10 * MINUTE + 2, 'h'],
      ],
      [2, 7],
    ],
  ] as const)('%s', (_name, reads, expected) => {
    const result = replay(
      pack,
      names,
      normalizeAll(reads.map(([t, n]) => read(t, n))),
    );
    expect(result.errors).toEqual([]);
    expect(firedAt(result)).toEqual(expected);
  });

  it("lists the distinct values and the audit ID of each one's latest event", () => {
    const events = normalizeAll(
      [read(0, 'a'), read(1, 'b'), read(2, 'a'), read(MINUTE, 'c')],
      'x',
    );
    const [detection] = replay(pack, names, events).detections;
    expect(detection?.evidence).toMatchObject({
      auditIds: ['x-1', 'x-2', 'x-3'],
      count: 3,
      firstSeen: new Date(T0 + 1),
      lastSeen: new Date(T0 + MINUTE),
      matched: { 'user.username': 'alice', distinctValues: '["b","a","c"]' },
    });
  });

  it('keeps values that differ only after a long common prefix apart', () => {
    const long = 'x'.repeat(300);
    const events = normalizeAll([
      read(0, `${long}1`),
      read(1, `${long}2`),
      read(2, `${long}3`),
    ]);
    const [detection] = replay(pack, names, events).detections;
    const shown = JSON.parse(
      detection?.evidence?.matched['distinctValues'] ?? '[]',
    ) as string[];
    expect(shown).toHaveLength(3);
    expect(new Set(shown).size).toBe(3);
    expect(shown.every(v => v.length < 260)).toBe(true);
  });

  it('takes numbers from CEL (ints and doubles) as one kind of key', () => {
    const codes = ruleOf(pack, 'codes');
    const events = normalizeAll([
      { responseStatus: { code: 404 }, stageTimestamp: at(0) },
      { responseStatus: { code: 404 }, stageTimestamp: at(1) },
      { responseStatus: { code: 200 }, stageTimestamp: at(2) },
    ]);
    const result = replay(pack, codes, events);
    expect(result.errors).toEqual([]);
    expect(result.detections).toEqual([]);
    // The group key holds the code (a double in CEL) as '404'; the value (an int) as '808'.
    const changes = result.evaluator.takeChanges();
    const stored = changes
      .map(
        c =>
          JSON.parse(c.value ?? '{}') as { group: string; values: unknown[][] },
      )
      .sort((a, b) => a.group.localeCompare(b.group));
    expect(stored.map(v => v.group)).toEqual([
      JSON.stringify(['test', 'alice@example.com', '200']),
      JSON.stringify(['test', 'alice@example.com', '404']),
    ]);
    expect(stored.map(v => v.values.map(([value]) => value))).toEqual([
      ['400'],
      ['808'],
    ]);
  });
});
