import { describe, expect, it } from 'vitest';

import { createRecentEvents, eventKey } from '../src/recent-events.js';

describe('createRecentEvents', () => {
  it('remembers keys for the window, then forgets them', () => {
    let t = 0;
    const recent = createRecentEvents({
      ttlMs: 100,
      maxEntries: 10,
      now: () => t,
    });
    recent.add('a');
    t = 50;
    expect(recent.has('a')).toBe(true);
    expect(recent.has('b')).toBe(false);
    t = 101;
    expect(recent.has('a')).toBe(false);
    recent.add('b');
    expect(recent.size).toBe(1);
  });

  it('never holds more than maxEntries, dropping the oldest', () => {
    const recent = createRecentEvents({
      ttlMs: 1_000_000,
      maxEntries: 3,
      now: () => 0,
    });
    for (const key of ['a', 'b', 'c', 'd']) {
      recent.add(key);
    }
    expect(recent.size).toBe(3);
    expect(recent.has('a')).toBe(false);
    expect(recent.has('d')).toBe(true);
  });

  it('keys on cluster, audit ID and stage, and a partition copy also on its partition', () => {
    const event = {
      cluster: 'c',
      auditId: 'a',
      stage: 'ResponseComplete',
      partitionCopy: false,
    };
    expect(eventKey(event, 1)).not.toBe(
      eventKey({ ...event, stage: 'ResponseStarted' }, 1),
    );
    // The original is one publication wherever it goes.
    expect(eventKey(event, 1)).toBe(eventKey(event, 2));
    const copy = { ...event, partitionCopy: true };
    expect(eventKey(copy, 1)).not.toBe(eventKey(event, 1));
    expect(eventKey(copy, 1)).not.toBe(eventKey(copy, 2));
  });
});
