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

/** Three steps by user: a configmap read, a pod list, a secret read. */
const pack = testPack({
  abc: {
    aggregate: [
      'aggregate:',
      '  type: sequence',
      '  by: user.username',
      '  maxSpan: 10m',
      '  steps:',
      '    - { name: a, condition: "objectRef.resource == \'configmaps\'" }',
      '    - { name: b, condition: "objectRef.resource == \'pods\'" }',
      '    - { name: c, condition: "objectRef.resource == \'secrets\'" }',
    ].join('\n'),
  },
  listed: {
    aggregate: [
      'aggregate:',
      '  type: sequence',
      "  by: \"objectRef.resource == 'configmaps' ? requestObject.?data.?users.orValue('').split(',') : [user.username]\"",
      '  maxSpan: 10m',
      '  steps:',
      '    - { name: named, condition: "objectRef.resource == \'configmaps\'" }',
      '    - { name: acted, condition: "objectRef.resource == \'secrets\'" }',
    ].join('\n'),
  },
  overlap: {
    aggregate: [
      'aggregate:',
      '  type: sequence',
      '  by: user.username',
      '  maxSpan: 10m',
      '  steps:',
      '    - { name: any-read, condition: "verb == \'get\'" }',
      "    - { name: secret-read, condition: \"verb == 'get' && objectRef.resource == 'secrets'\" }",
    ].join('\n'),
  },
  fragile: {
    aggregate: [
      'aggregate:',
      '  type: sequence',
      '  by: user.username',
      '  maxSpan: 10m',
      '  steps:',
      '    - { name: first, condition: "requestObject.spec.replicas > 2" }',
      '    - { name: second, condition: "objectRef.resource == \'secrets\'" }',
    ].join('\n'),
  },
});
const abc = ruleOf(pack, 'abc');

type Kind = 'a' | 'b' | 'c' | 'x';
const RESOURCE: Record<Kind, string> = {
  a: 'configmaps',
  b: 'pods',
  c: 'secrets',
  x: 'services',
};

function step(ms: number, kind: Kind, user = 'alice') {
  return {
    verb: 'get',
    objectRef: {
      resource: RESOURCE[kind],
      namespace: 'shop',
      name: `${kind}${String(ms)}`,
    },
    user: { username: user, groups: ['system:authenticated'] },
    stageTimestamp: at(ms),
  };
}

describe('sequences', () => {
  it.each([
    [
      'in order',
      [
        [0, 'a'],
        [1, 'b'],
        [2, 'c'],
      ],
      [2],
    ],
    [
      'with other events between',
      [
        [0, 'a'],
        [1, 'x'],
        [2, 'b'],
        [3, 'x'],
        [4, 'c'],
      ],
      [4],
    ],
    [
      'wrong order',
      [
        [0, 'b'],
        [1, 'a'],
        [2, 'c'],
      ],
      [],
    ],
    [
      'a step missing',
      [
        [0, 'a'],
        [1, 'c'],
      ],
      [],
    ],
    [
      'the last step exactly maxSpan after the first',
      [
        [0, 'a'],
        [1, 'b'],
        [10 * MINUTE, 'c'],
      ],
      [2],
    ],
    [
      'the last step just over maxSpan after the first',
      [
        [0, 'a'],
        [1, 'b'],
        [10 * MINUTE + 1, 'c'],
      ],
      [],
    ],
    [
      'a later first step restarts the clock',
      [
        [0, 'a'],
        [9 * MINUTE, 'a'],
        [10 * MINUTE, 'b'],
        [15 * MINUTE, 'c'],
      ],
      [3],
    ],
    [
      'the key starts over after a completed sequence',
      [
        [0, 'a'],
        [1, 'b'],
        [2, 'c'],
        [3, 'c'],
        [4, 'b'],
        [5, 'c'],
      ],
      [2],
    ],
    [
      'a second full sequence fires again',
      [
        [0, 'a'],
        [1, 'b'],
        [2, 'c'],
        [3, 'a'],
        [4, 'b'],
        [5, 'c'],
      ],
      [2, 5],
    ],
    [
      "a late event before the partial's last step is dropped",
      [
        [MINUTE, 'a'],
        [2 * MINUTE, 'b'],
        [90_000, 'c'],
      ],
      [],
    ],
  ] as const)('%s', (_name, steps, expected) => {
    const result = replay(
      pack,
      abc,
      normalizeAll(steps.map(([t, k]) => step(t, k))),
    );
    expect(result.errors).toEqual([]);
    expect(firedAt(result)).toEqual(expected);
  });

  it('joins only events with the same key', () => {
    const events = normalizeAll([
      step(0, 'a', 'alice'),
      step(1, 'b', 'bob'),
      step(2, 'c', 'alice'),
      step(3, 'b', 'alice'),
      step(4, 'c', 'bob'),
    ]);
    expect(firedAt(replay(pack, abc, events))).toEqual([]);
    const more = normalizeAll([
      step(0, 'a', 'alice'),
      step(1, 'a', 'bob'),
      step(2, 'b', 'bob'),
      step(3, 'b', 'alice'),
      step(4, 'c', 'bob'),
      step(5, 'c', 'alice'),
    ]);
    expect(firedAt(replay(pack, abc, more))).toEqual([4, 5]);
  });

  it("reports each step's audit ID under its name, the key and the span", () => {
    const events = normalizeAll(
      [
        step(0, 'a'),
        step(MINUTE, 'x'),
        step(2 * MINUTE, 'b'),
        step(3 * MINUTE, 'c'),
      ],
      'x',
    );
    const [detection] = replay(pack, abc, events).detections;
    expect(detection?.evidence).toMatchObject({
      auditIds: ['x-0', 'x-2', 'x-3'],
      count: 3,
      firstSeen: new Date(T0),
      lastSeen: new Date(T0 + 3 * MINUTE),
      matched: {
        by: 'alice',
        'step.a': 'x-0',
        'step.b': 'x-2',
        'step.c': 'x-3',
      },
    });
    expect(detection?.target?.resource).toBe('secrets');
  });

  it('does not let a redelivered step count twice', () => {
    const [a, b] = normalizeAll([step(0, 'a'), step(1, 'b')]);
    if (!a || !b) throw new Error('events');
    const overlap = ruleOf(pack, 'overlap');
    // The same secret read delivered twice must not be both steps.
    const [read] = normalizeAll([{ ...step(0, 'c') }], 'r');
    if (!read) throw new Error('events');
    expect(replay(pack, overlap, [read, read]).detections).toEqual([]);
    expect(replay(pack, abc, [a, a, b, b]).detections).toEqual([]);
  });

  it('never makes two steps of one sequence from one event', () => {
    const overlap = ruleOf(pack, 'overlap');
    const events = normalizeAll([step(0, 'c'), step(1, 'c')]);
    // The first secret read starts the sequence; only the second completes it.
    expect(firedAt(replay(pack, overlap, events))).toEqual([1]);
  });

  it('joins an event on every key a list-valued by gives', () => {
    const listed = ruleOf(pack, 'listed');
    const events = normalizeAll([
      {
        verb: 'create',
        objectRef: { resource: 'configmaps', namespace: 'shop', name: 'who' },
        requestObject: { kind: 'ConfigMap', data: { users: 'bob,carol,' } },
        stageTimestamp: at(0),
      },
      step(1, 'c', 'carol'),
      step(2, 'c', 'alice'),
      step(3, 'c', 'bob'),
    ]);
    const result = replay(pack, listed, events);
    expect(result.errors).toEqual([]);
    expect(firedAt(result)).toEqual([1, 3]);
    expect(result.detections.map(d => d.evidence?.matched['by'])).toEqual([
      'carol',
      'bob',
    ]);
  });

  it('treats a step whose condition fails to evaluate as not matched, and reports the error', () => {
    const fragile = ruleOf(pack, 'fragile');
    const result = replay(
      pack,
      fragile,
      normalizeAll([step(0, 'a'), step(1, 'c')]),
    );
    expect(result.detections).toEqual([]);
    expect(result.errors.length).toBeGreaterThan(0);
  });

  it('gives the same detection id on a replay', () => {
    const raws = [step(0, 'a'), step(1, 'b'), step(2, 'c')];
    const first = replay(pack, abc, normalizeAll(raws));
    const again = replay(pack, abc, normalizeAll(raws), {
      nowOffsetMs: 3_600_000,
    });
    expect(again.detections.map(d => d.detectionId)).toEqual(
      first.detections.map(d => d.detectionId),
    );
    expect(first.detections).toHaveLength(1);
  });
});
