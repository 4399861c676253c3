import { AlertStatus, Severity } from '@kubeguard/contracts';
import { InvalidArgumentError } from '@kubeguard/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CursorExpiredError,
  alertIdFor,
  type AlertFilter,
  type MongoAlertStore,
} from '../src/index.js';
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

const created = (i: number): Date => new Date(Date.UTC(2026, 10, 21, 0, 0, i));

describe('list', () => {
  let store: MongoAlertStore;
  beforeAll(async () => {
    store = await harness.open();
    const rows: [string, Parameters<typeof detection>[1]][] = [
      [
        'l0',
        {
          cluster: 'prod',
          severity: Severity.LOW,
          title: 'Pod exec into kube-system',
          ...seenAt('l0', '2026-11-01T00:00:00Z'),
        },
      ],
      [
        'l1',
        {
          cluster: 'prod',
          severity: Severity.HIGH,
          target: { verb: 'create', resource: 'pods', namespace: 'shop' },
          ...seenAt('l1', '2026-11-05T00:00:00Z'),
        },
      ],
      [
        'l2',
        {
          cluster: 'stage',
          severity: Severity.CRITICAL,
          ruleId: 'privileged-pod',
          ...seenAt('l2', '2026-11-10T00:00:00Z'),
        },
      ],
      [
        'l3',
        {
          cluster: 'prod',
          severity: Severity.MEDIUM,
          actor: { username: 'alice@example.com' },
          title: 'Secret read (burst) by alice',
          ...seenAt('l3', '2026-11-15T00:00:00Z'),
        },
      ],
      [
        'l4',
        {
          cluster: 'prod',
          severity: Severity.HIGH,
          target: { verb: 'list', resource: 'secrets', namespace: 'shop' },
          ...seenAt('l4', '2026-11-20T00:00:00Z'),
        },
      ],
    ];
    for (const [i, [id, patch]] of rows.entries()) {
      await store.recordDetection(
        detection(id, { fingerprint: `fp-${id}`, ...patch }),
        created(i),
      );
    }
    await store.updateAlert(
      alertIdFor('fp-l4'),
      { status: AlertStatus.IN_PROGRESS },
      'bob',
      created(9),
    );
  });

  const ids = async (filter: AlertFilter): Promise<string[]> =>
    (await store.list(filter)).alerts.map(a =>
      a.fingerprint.replace('fp-', ''),
    );

  it('filters by every field, newest first', async () => {
    expect(await ids({})).toEqual(['l4', 'l3', 'l2', 'l1', 'l0']);
    expect(await ids({ cluster: 'stage' })).toEqual(['l2']);
    expect(await ids({ ruleId: 'privileged-pod' })).toEqual(['l2']);
    expect(await ids({ minSeverity: Severity.HIGH })).toEqual([
      'l4',
      'l2',
      'l1',
    ]);
    expect(await ids({ status: AlertStatus.IN_PROGRESS })).toEqual(['l4']);
    expect(await ids({ status: AlertStatus.NEW, cluster: 'prod' })).toEqual([
      'l3',
      'l1',
      'l0',
    ]);
    expect(await ids({ namespace: 'shop' })).toEqual(['l4', 'l1']);
    expect(await ids({ actor: 'alice@example.com' })).toEqual(['l3']);
    // Active in the range: last seen at or after since, first seen before until.
    expect(await ids({ since: new Date('2026-11-10T00:00:00Z') })).toEqual([
      'l4',
      'l3',
      'l2',
    ]);
    expect(await ids({ until: new Date('2026-11-05T00:00:00Z') })).toEqual([
      'l0',
    ]);
    expect(
      await ids({
        since: new Date('2026-11-04T00:00:00Z'),
        until: new Date('2026-11-16T00:00:00Z'),
      }),
    ).toEqual(['l3', 'l2', 'l1']);
    // Case-insensitive, and regex characters are literal.
    expect(await ids({ text: 'KUBE-SYSTEM' })).toEqual(['l0']);
    expect(await ids({ text: '(burst)' })).toEqual(['l3']);
    expect(await ids({ text: '.*' })).toEqual([]);
  });

  it('pages with a cursor token until the last page', async () => {
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await store.list({ pageSize: 2, pageToken: token });
      seen.push(...page.alerts.map(a => a.fingerprint));
      token = page.nextPageToken;
      pages += 1;
    } while (token !== '');
    expect(pages).toBe(3);
    expect(seen).toEqual(['fp-l4', 'fp-l3', 'fp-l2', 'fp-l1', 'fp-l0']);
  });

  it('says where a stream would continue from', async () => {
    const page = await store.list({});
    const newest = Math.max(...page.alerts.map(a => a.seq));
    expect(page.streamCursor).toBe(String(newest));
  });

  it('refuses bad filters and paging naming the field', async () => {
    await expect(store.list({ pageSize: 5000 })).rejects.toThrow(
      new InvalidArgumentError('page_size', "must be 0-1000, got '5000'"),
    );
    await expect(store.list({ pageToken: 'garbage' })).rejects.toThrow(
      new InvalidArgumentError(
        'page_token',
        "'garbage' is not a token from a previous page",
      ),
    );
    await expect(store.list({ minSeverity: 9 as Severity })).rejects.toThrow(
      new InvalidArgumentError('min_severity', "unknown severity '9'"),
    );
    await expect(store.list({ status: 7 as AlertStatus })).rejects.toThrow(
      new InvalidArgumentError('status', "unknown status '7'"),
    );
    await expect(
      store.list({
        since: new Date('2026-11-02T00:00:00Z'),
        until: new Date('2026-11-01T00:00:00Z'),
      }),
    ).rejects.toThrow(
      new InvalidArgumentError(
        'until',
        'must be after since (2026-11-02T00:00:00.000Z), got 2026-11-01T00:00:00.000Z',
      ),
    );
    await expect(store.list({ text: 'x'.repeat(201) })).rejects.toThrow(
      new InvalidArgumentError('text', 'must be at most 200 characters'),
    );
  });
});

describe('change stream reads', () => {
  it('returns every change after a position in order, filtered, with the position to continue from', async () => {
    const store = await harness.open();
    expect(await store.openCursor('')).toBe(0);
    const a = await store.recordDetection(
      detection('c1', { fingerprint: 'fp-a', cluster: 'prod' }),
      created(0),
    );
    const b = await store.recordDetection(
      detection('c2', { fingerprint: 'fp-b', cluster: 'stage' }),
      created(1),
    );
    await store.recordDetection(
      detection('c3', { fingerprint: 'fp-a', cluster: 'prod' }),
      created(2),
    );
    await store.updateAlert(
      a.alert.alertId,
      { comment: 'looking' },
      'bob',
      created(3),
    );

    const all = await store.readChanges(0, {}, 100);
    expect(
      all.events.map(e => [
        e.seq,
        e.change,
        e.alert.fingerprint,
        e.alert.revision,
      ]),
    ).toEqual([
      [1, 'created', 'fp-a', 1],
      [2, 'created', 'fp-b', 1],
      [3, 'updated', 'fp-a', 2],
      [4, 'edited', 'fp-a', 3],
    ]);
    expect(all.position).toBe(4);
    expect(all.events[2]?.alert.evidence?.count).toBe(2);
    expect(all.events[2]?.at).toEqual(created(2));

    // The filter applies to the alert after each change; the position still
    // moves past what did not match.
    const prodOnly = await store.readChanges(0, { cluster: 'stage' }, 100);
    expect(prodOnly.events.map(e => e.seq)).toEqual([b.alert.seq]);
    expect(prodOnly.position).toBe(4);

    const batch = await store.readChanges(1, {}, 2);
    expect(batch.events.map(e => e.seq)).toEqual([2, 3]);
    expect(batch.position).toBe(3);
    expect((await store.readChanges(4, {}, 100)).events).toEqual([]);
  });

  it('validates cursors: malformed, ahead, and expired by pruning', async () => {
    const store = await harness.open({ changeRetentionDays: 1 });
    for (let i = 0; i < 3; i += 1) {
      await store.recordDetection(
        detection(`p${String(i)}`, { fingerprint: `fp-p${String(i)}` }),
        created(i),
      );
    }
    await expect(store.openCursor('abc')).rejects.toThrow(
      new InvalidArgumentError(
        'cursor',
        "'abc' is not a cursor from a previous event",
      ),
    );
    await expect(store.openCursor('99')).rejects.toThrow(
      new InvalidArgumentError(
        'cursor',
        "'99' is ahead of the newest change (3)",
      ),
    );
    expect(await store.openCursor('1')).toBe(1);

    // Two days later: all but the newest change are pruned.
    const report = await store.runMaintenance(
      new Date(created(0).getTime() + 2 * 86_400_000),
    );
    expect(report.changesDeleted).toBe(2);
    await expect(store.openCursor('1')).rejects.toThrow(CursorExpiredError);
    await expect(store.openCursor('1')).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message:
        "cursor: changes after '1' are no longer kept (the oldest is 3); list the alerts again and stream from the list's stream_cursor",
    });
    expect(await store.openCursor('2')).toBe(2);
    expect(await store.openCursor('')).toBe(0);
    // Numbering goes on after the newest kept change.
    const next = await store.recordDetection(
      detection('p3', { fingerprint: 'fp-p3' }),
      created(5),
    );
    expect(next.alert.seq).toBe(4);
  });
});
