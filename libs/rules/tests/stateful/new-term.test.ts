import { describe, expect, it } from 'vitest';

import {
  at,
  DAY,
  firedAt,
  HOUR,
  MINUTE,
  normalizeAll,
  replay,
  ruleOf,
  T0,
  testPack,
} from './replay.js';

const pack = testPack({
  agents: {
    condition: 'true',
    aggregate:
      'aggregate: { type: new-term, groupBy: [user.username], term: userAgent, history: 7d }',
  },
});
const agents = ruleOf(pack, 'agents');

function call(ms: number, agent: string, user = 'alice') {
  return {
    user: { username: user, groups: ['system:authenticated'] },
    userAgent: agent,
    stageTimestamp: at(ms),
  };
}

describe('new terms', () => {
  it.each([
    ['the first event is the baseline', [[0, 'kubectl']], []],
    [
      'a new term after the baseline',
      [
        [0, 'kubectl'],
        [HOUR, 'curl'],
      ],
      [1],
    ],
    [
      'a known term',
      [
        [0, 'kubectl'],
        [HOUR, 'kubectl'],
        [2 * HOUR, 'kubectl'],
      ],
      [],
    ],
    [
      'each new term once',
      [
        [0, 'kubectl'],
        [1, 'curl'],
        [2, 'curl'],
        [3, 'python'],
      ],
      [1, 3],
    ],
    [
      'a term last used just inside the history',
      [
        [0, 'kubectl'],
        [1, 'curl'],
        [7 * DAY - 1, 'kubectl'],
      ],
      [1],
    ],
    [
      'a term last used exactly one history ago is new again',
      [
        [0, 'kubectl'],
        [1, 'curl'],
        [7 * DAY, 'curl'],
        [7 * DAY, 'kubectl'],
      ],
      [1, 3],
    ],
    [
      'use keeps a term known',
      [
        [0, 'kubectl'],
        [1, 'curl'],
        [6 * DAY, 'kubectl'],
        [12 * DAY, 'kubectl'],
        [12 * DAY, 'curl'],
      ],
      [1, 4],
    ],
    [
      'after a whole history of silence the group starts over',
      [
        [0, 'kubectl'],
        [8 * DAY, 'curl'],
        [8 * DAY + 1, 'curl'],
      ],
      [],
    ],
  ] as const)('%s', (_name, calls, expected) => {
    const result = replay(
      pack,
      agents,
      normalizeAll(calls.map(([t, a]) => call(t, a))),
    );
    expect(result.errors).toEqual([]);
    expect(firedAt(result)).toEqual(expected);
  });

  it("keeps groups apart: one group's baseline is not another's", () => {
    const events = normalizeAll([
      call(0, 'kubectl', 'alice'),
      call(1, 'curl', 'bob'),
      call(2, 'curl', 'alice'),
    ]);
    expect(firedAt(replay(pack, agents, events))).toEqual([2]);
  });

  it('reports the term, the group and the event', () => {
    const events = normalizeAll(
      [call(0, 'kubectl'), call(HOUR, 'curl/8.5.0')],
      'x',
    );
    const [detection] = replay(pack, agents, events).detections;
    expect(detection?.evidence).toMatchObject({
      auditIds: ['x-1'],
      count: 1,
      firstSeen: new Date(T0 + HOUR),
      lastSeen: new Date(T0 + HOUR),
      matched: { 'user.username': 'alice', term: 'curl/8.5.0' },
    });
  });

  it('does not report a redelivered new term twice', () => {
    const events = normalizeAll([call(0, 'kubectl'), call(HOUR, 'curl')]);
    const [first, second] = events;
    if (!first || !second) throw new Error('events');
    expect(
      replay(pack, agents, [first, second, second]).detections,
    ).toHaveLength(1);
  });

  it("with a learning period, learns a new group's terms before reporting", () => {
    const calls = [
      call(0, 'kubectl'),
      call(30 * MINUTE, 'helm'),
      call(HOUR - 1, 'k9s'),
      call(HOUR, 'curl'),
      call(2 * HOUR, 'helm'),
    ];
    const result = replay(pack, agents, normalizeAll(calls), {
      evaluatorOptions: { newTermLearningMs: HOUR },
    });
    expect(firedAt(result)).toEqual([3]);
  });

  it('forgets the least recently used terms beyond maxTermsPerGroup', () => {
    const calls = [
      call(0, 'a'),
      call(1, 'b'),
      call(2, 'c'),
      call(3, 'd'),
      call(4, 'a'),
      call(5, 'd'),
    ];
    const result = replay(pack, agents, normalizeAll(calls), {
      evaluatorOptions: { maxTermsPerGroup: 3 },
    });
    // a was pushed out by d, so it is new again; d stays known.
    expect(firedAt(result)).toEqual([1, 2, 3, 4]);
  });
});
