import { describe, expect, it } from 'vitest';

import { digest } from '../../src/index.js';

import {
  at,
  firedAt,
  MINUTE,
  normalizeAll,
  replay,
  ruleOf,
  SECOND,
  T0,
  testPack,
} from './replay.js';

const pack = testPack({
  burst: {
    condition: "objectRef.resource == 'secrets'",
    aggregate:
      'aggregate: { type: count, groupBy: [user.username], window: 5m, threshold: 3 }',
  },
  single: {
    condition: "objectRef.resource == 'secrets'",
    aggregate:
      'aggregate: { type: count, groupBy: [user.username], window: 1m, threshold: 1 }',
  },
});
const burst = ruleOf(pack, 'burst');

/** A secret read by `user` at `ms` after T0. */
function read(ms: number, user = 'alice', extra: Record<string, unknown> = {}) {
  return {
    verb: 'get',
    objectRef: {
      resource: 'secrets',
      namespace: 'shop',
      name: `s${String(ms)}`,
    },
    user: { username: user, groups: ['system:authenticated'] },
    stageTimestamp: at(ms),
    ...extra,
  };
}

describe('count windows', () => {
  it.each([
    ['three reads in a minute', [0, 30 * SECOND, MINUTE], [2]],
    ['two reads only', [0, MINUTE], []],
    ['the third read just inside the window', [0, 1, 5 * MINUTE - 1], [2]],
    [
      'the third read exactly one window after the first',
      [0, 1, 5 * MINUTE],
      [],
    ],
    ['a slow trickle', [0, 3 * MINUTE, 6 * MINUTE, 9 * MINUTE], []],
    [
      'a burst after a trickle',
      [0, 3 * MINUTE, 6 * MINUTE, 6 * MINUTE + 1],
      [3],
    ],
    ['one detection per burst', [0, 1, 2, 3, 4, 5, MINUTE, 2 * MINUTE], [2]],
    [
      'a second burst once the first window has passed',
      [0, 1, 2, 3, 4 * MINUTE, 5 * MINUTE, 5 * MINUTE + 1, 5 * MINUTE + 2],
      [2, 7],
    ],
    ['late events slot into the window', [MINUTE, 0, 30 * SECOND], [2]],
    [
      'an event older than the window is dropped',
      [6 * MINUTE, 0, 6 * MINUTE + 1],
      [],
    ],
  ] as const)('%s', (_name, times, expected) => {
    const result = replay(pack, burst, normalizeAll(times.map(t => read(t))));
    expect(result.errors).toEqual([]);
    expect(firedAt(result)).toEqual(expected);
  });

  it('counts each group on its own', () => {
    const events = normalizeAll([
      read(0, 'alice'),
      read(1, 'bob'),
      read(2, 'alice'),
      read(3, 'bob'),
      read(4, 'carol'),
      read(5, 'bob'),
    ]);
    const result = replay(pack, burst, events);
    expect(firedAt(result)).toEqual([5]);
    expect(result.detections[0]?.actor?.username).toBe('bob');
  });

  it('keeps clusters apart', () => {
    const events = normalizeAll([read(0), read(1), read(2)]);
    const [e0, e1, e2] = events;
    if (!e0 || !e1 || !e2) throw new Error('events');
    e1.cluster = 'other';
    expect(replay(pack, burst, [e0, e1, e2]).detections).toEqual([]);
  });

  it('does not count a redelivered event twice', () => {
    const events = normalizeAll([read(0), read(1), read(2)]);
    const [e0, e1] = events;
    if (!e0 || !e1) throw new Error('events');
    expect(replay(pack, burst, [e0, e1, e0, e1]).detections).toEqual([]);
  });

  it('reports the burst: audit IDs, count, first and last seen, group and a group fingerprint', () => {
    const events = normalizeAll(
      [read(0), read(20 * SECOND), read(MINUTE)],
      'x',
    );
    const [detection] = replay(pack, burst, events).detections;
    expect(detection).toMatchObject({
      ruleId: 'burst',
      cluster: 'test',
      evidence: {
        auditIds: ['x-0', 'x-1', 'x-2'],
        count: 3,
        firstSeen: new Date(T0),
        lastSeen: new Date(T0 + MINUTE),
        matched: { 'user.username': 'alice' },
      },
      fingerprint: digest('burst', 'test', JSON.stringify(['test', 'alice'])),
    });
    expect(detection?.detectionId).toBe(
      digest(
        'burst',
        'test',
        `${JSON.stringify(['test', 'alice'])}\u0000${String(T0)}`,
      ),
    );
  });

  it('gives each burst its own id and the group one fingerprint', () => {
    const times = [0, 1, 2, 5 * MINUTE, 5 * MINUTE + 1, 5 * MINUTE + 2];
    const { detections } = replay(
      pack,
      burst,
      normalizeAll(times.map(t => read(t))),
    );
    expect(detections).toHaveLength(2);
    expect(detections[0]?.detectionId).not.toBe(detections[1]?.detectionId);
    expect(detections[0]?.fingerprint).toBe(detections[1]?.fingerprint);
  });

  it('gives the same ids on a replay, whenever it runs', () => {
    const raws = [0, 1, 2, 3, 5 * MINUTE, 5 * MINUTE + 1, 5 * MINUTE + 2].map(
      t => read(t),
    );
    const first = replay(pack, burst, normalizeAll(raws));
    const again = replay(pack, burst, normalizeAll(raws), {
      nowOffsetMs: 86_400_000,
    });
    expect(again.detections.map(d => d.detectionId)).toEqual(
      first.detections.map(d => d.detectionId),
    );
    expect(again.detections.map(d => d.evidence)).toEqual(
      first.detections.map(d => d.evidence),
    );
  });

  it('with threshold 1 fires once per window per group', () => {
    const single = ruleOf(pack, 'single');
    const times = [0, 10 * SECOND, MINUTE - 1, MINUTE, 90 * SECOND, 3 * MINUTE];
    expect(
      firedAt(replay(pack, single, normalizeAll(times.map(t => read(t))))),
    ).toEqual([0, 3, 5]);
  });

  it('lists at most maxEvidence audit IDs but counts them all', () => {
    const big = testPack({
      big: {
        condition: 'true',
        aggregate:
          'aggregate: { type: count, groupBy: [user.username], window: 5m, threshold: 8 }',
      },
    });
    const events = normalizeAll(Array.from({ length: 8 }, (_, i) => read(i)));
    const [detection] = replay(big, ruleOf(big, 'big'), events, {
      evaluatorOptions: { maxEvidence: 5 },
    }).detections;
    expect(detection?.evidence?.auditIds).toHaveLength(5);
    expect(detection?.evidence?.count).toBe(8);
  });

  it('uses the request time when there is no stage time, and the wall clock when there is neither', () => {
    // replay() evaluates event i at 12:00:0i wall-clock time.
    const noon = 3 * 60 * MINUTE;
    const events = normalizeAll([
      {
        ...read(0),
        stageTimestamp: undefined,
        requestReceivedTimestamp: at(noon),
      },
      {
        ...read(0),
        stageTimestamp: undefined,
        requestReceivedTimestamp: at(noon + 500),
      },
      {
        ...read(0),
        stageTimestamp: undefined,
        requestReceivedTimestamp: undefined,
      },
    ]);
    const { detections } = replay(pack, burst, events);
    expect(detections).toHaveLength(1);
    expect(detections[0]?.evidence).toMatchObject({
      firstSeen: new Date(T0 + noon),
      lastSeen: new Date(T0 + noon + 2 * SECOND),
    });
  });
});
