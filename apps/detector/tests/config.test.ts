import { describe, expect, it } from 'vitest';

import { loadConfig, ownedPartitions } from '../src/config.js';

describe('detector config', () => {
  it('runs every partition with hot reload by default', () => {
    expect(loadConfig({})).toMatchObject({
      PARTITIONS: 16,
      DETECTOR_PARTITIONS: 'all',
      RULES_RELOAD_MS: 2000,
    });
  });

  it('reads partition ranges and refuses ones out of range, naming the variable', () => {
    expect(ownedPartitions('all', 4)).toEqual([0, 1, 2, 3]);
    expect(ownedPartitions('0,2-3,2', 8)).toEqual([0, 2, 3]);
    expect(() => ownedPartitions('6-9', 8)).toThrow(
      'DETECTOR_PARTITIONS: partition 8 is out of range 0-7',
    );
    expect(() => loadConfig({ DETECTOR_PARTITIONS: 'some' })).toThrow(
      "DETECTOR_PARTITIONS: expected 'all' or numbers and ranges like '0-7,12', got 'some'",
    );
  });
});
