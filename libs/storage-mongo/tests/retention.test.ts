import { SuppressionMatch } from '@kubeguard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectMongoAlertStore } from '../src/index.js';
import {
  detection,
  seenAt,
  startStoreHarness,
  type StoreHarness,
} from './support/fixtures.js';

let harness: StoreHarness;

beforeAll(async () => {
  harness = await startStoreHarness();
});
afterAll(async () => {
  await harness.stop();
});

const DAY = 86_400_000;
const NOW = new Date('2026-11-20T12:00:00.000Z');

describe('indexes', () => {
  it('creates an index for every list filter, the change log and suppressions', async () => {
    const store = await harness.open();
    const names = async (collection: string) =>
      (await store.db.collection(collection).indexes()).map(
        i => [i.name, i.key, i.unique ?? false] as const,
      );
    expect(await names('alerts')).toEqual(
      expect.arrayContaining([
        ['created_desc', { createdAt: -1, _id: -1 }, false],
        ['cluster_created', { cluster: 1, createdAt: -1 }, false],
        ['rule_created', { ruleId: 1, createdAt: -1 }, false],
        ['severity_created', { severity: 1, createdAt: -1 }, false],
        ['status_created', { status: 1, createdAt: -1 }, false],
        ['namespace_created', { 'target.namespace': 1, createdAt: -1 }, false],
        ['actor_created', { 'actor.username': 1, createdAt: -1 }, false],
        ['fingerprint', { fingerprint: 1 }, false],
        ['first_seen', { 'evidence.firstSeen': 1 }, false],
        ['last_seen', { 'evidence.lastSeen': 1 }, false],
      ]),
    );
    expect(await names('alert_changes')).toEqual(
      expect.arrayContaining([
        ['alert_revision', { alertId: 1, revision: 1 }, true],
        ['detection', { detectionId: 1 }, true],
        ['at', { at: 1 }, false],
      ]),
    );
    expect(await names('suppressions')).toEqual(
      expect.arrayContaining([['expires_at', { expiresAt: 1 }, false]]),
    );
  });

  it('puts the retention TTL on last seen where the server has TTL indexes, else sweeps', async () => {
    const store = await harness.open({ retentionDays: 30 });
    const lastSeen = (await store.db.collection('alerts').indexes()).find(
      i => i.name === 'last_seen',
    );
    if (harness.mongo.kind === 'ferretdb') {
      // FerretDB 1.x answers NotImplemented to expireAfterSeconds.
      expect(store.retention).toBe('sweep');
      expect(lastSeen?.expireAfterSeconds).toBeUndefined();
    } else {
      expect(store.retention).toBe('ttl-index');
      expect(lastSeen?.expireAfterSeconds).toBe(30 * 86_400);
    }
    expect(lastSeen?.key).toEqual({ 'evidence.lastSeen': 1 });
  });

  it('reconnects to the same database with other retention settings', async () => {
    const first = await harness.open({ retentionDays: 30 });
    const database = first.db.databaseName;
    const again = await connectMongoAlertStore({
      url: harness.mongo.url,
      database,
      retentionDays: 0,
      maintenanceIntervalMs: 0,
    });
    try {
      expect(again.retention).toBe('off');
      const lastSeen = (await again.db.collection('alerts').indexes()).find(
        i => i.name === 'last_seen',
      );
      expect(lastSeen?.expireAfterSeconds).toBeUndefined();
    } finally {
      await again.close();
    }
  });
});

describe('runMaintenance', () => {
  it('deletes alerts last seen before retention, and expired suppressions', async () => {
    const store = await harness.open({ retentionDays: 30 });
    await store.recordDetection(
      detection('old', {
        fingerprint: 'fp-old',
        ...seenAt('old', '2026-10-01T00:00:00Z'),
      }),
      NOW,
    );
    await store.recordDetection(
      detection('recent', {
        fingerprint: 'fp-recent',
        ...seenAt('recent', '2026-11-19T00:00:00Z'),
      }),
      NOW,
    );
    // An old alert that fires again is young again.
    await store.recordDetection(
      detection('revived-1', {
        fingerprint: 'fp-revived',
        ...seenAt('revived-1', '2026-10-01T00:00:00Z'),
      }),
      NOW,
    );
    await store.recordDetection(
      detection('revived-2', {
        fingerprint: 'fp-revived',
        ...seenAt('revived-2', '2026-11-18T00:00:00Z'),
      }),
      NOW,
    );
    await store.createSuppression(
      {
        name: 'short',
        reason: 'r',
        expiresAt: new Date(NOW.getTime() + DAY),
        match: SuppressionMatch.fromPartial({ cluster: 'x' }),
      },
      'bob',
      NOW,
    );
    await store.createSuppression(
      {
        name: 'forever',
        reason: 'r',
        match: SuppressionMatch.fromPartial({ cluster: 'y' }),
      },
      'bob',
      NOW,
    );

    const report = await store.runMaintenance(
      new Date(NOW.getTime() + 2 * DAY),
    );
    expect(report).toEqual({
      alertsDeleted: 1,
      changesDeleted: 0,
      suppressionsDeleted: 1,
    });
    expect(
      (await store.list({})).alerts.map(a => a.fingerprint).sort(),
    ).toEqual(['fp-recent', 'fp-revived']);
    expect((await store.listSuppressions(NOW)).map(s => s.name)).toEqual([
      'forever',
    ]);
  });

  it('keeps every alert when retention is 0', async () => {
    const store = await harness.open({ retentionDays: 0 });
    expect(store.retention).toBe('off');
    await store.recordDetection(
      detection('ancient', {
        fingerprint: 'fp-ancient',
        ...seenAt('ancient', '2020-01-01T00:00:00Z'),
      }),
      NOW,
    );
    expect((await store.runMaintenance(NOW)).alertsDeleted).toBe(0);
    expect((await store.list({})).alerts).toHaveLength(1);
  });

  it('runs on its own timer and reports failures', async () => {
    const errors: unknown[] = [];
    const store = await harness.open({
      retentionDays: 1,
      maintenanceIntervalMs: 50,
      onMaintenanceError: err => errors.push(err),
    });
    await store.recordDetection(
      detection('timer', {
        fingerprint: 'fp-timer',
        ...seenAt('timer', '2020-01-01T00:00:00Z'),
      }),
      NOW,
    );
    await expect
      .poll(async () => (await store.list({})).alerts.length, { timeout: 5000 })
      .toBe(0);
    expect(errors).toEqual([]);
  });
});
