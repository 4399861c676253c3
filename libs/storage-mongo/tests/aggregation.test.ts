import { randomUUID } from 'node:crypto';

import { AlertStatus, Outcome, Severity } from '@kubeguard/contracts';
import { InvalidArgumentError } from '@kubeguard/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  alertIdFor,
  type ChangeKind,
  type MongoAlertStore,
} from '../src/index.js';
import {
  detection,
  seenAt,
  startStoreHarness,
  type StoreHarness,
} from './support/fixtures.js';

let harness: StoreHarness;
let store: MongoAlertStore;

beforeAll(async () => {
  harness = await startStoreHarness();
  store = await harness.open();
});
afterAll(async () => {
  await harness.stop();
});

const T0 = new Date('2026-11-20T10:00:00.000Z');
const T1 = new Date('2026-11-20T10:05:00.000Z');

describe('recordDetection: aggregation by fingerprint', () => {
  it('creates one alert for the first detection, field by field', async () => {
    const result = await store.recordDetection(
      detection('c1', { fingerprint: 'fp-create' }),
      T0,
    );
    expect(result.change).toBe('created');
    expect(result.suppressed).toBe(false);
    expect(result.notify).toBe(true);
    const alert = result.alert;
    expect(alert.alertId).toBe(alertIdFor('fp-create'));
    expect(alert).toMatchObject({
      fingerprint: 'fp-create',
      ruleId: 'anonymous-request-allowed',
      alertType: 'K8S_AnonymousRequestAllowed',
      title: 'Anonymous request allowed: list secrets',
      severity: Severity.MEDIUM,
      mitreTactics: ['InitialAccess'],
      mitreTechniques: ['T1190'],
      cluster: 'prod',
      actor: {
        username: 'system:anonymous',
        groups: ['system:unauthenticated'],
        sourceIps: ['203.0.113.45'],
      },
      target: { verb: 'list', resource: 'secrets', namespace: 'default' },
      remediation: ['delete the binding'],
      status: AlertStatus.NEW,
      statusReason: '',
      assignee: '',
      comments: [],
      suppressed: false,
      suppressedBy: '',
      outcome: Outcome.ALLOWED,
      revision: 1,
      createdAt: T0,
      updatedAt: T0,
    });
    expect(alert.seq).toBeGreaterThan(0);
    expect(alert.evidence).toEqual({
      auditIds: ['audit-c1'],
      firstSeen: new Date('2026-11-20T09:15:02.000Z'),
      lastSeen: new Date('2026-11-20T09:15:02.000Z'),
      count: 1,
      matched: { requestURI: '/api/v1/namespaces/default/secrets' },
    });
    expect(alert.history).toEqual([
      {
        at: T0,
        who: 'kubeguard-detector',
        action: 'created',
        from: '',
        to: 'new',
        comment: '',
      },
    ]);
    expect(await store.get(alert.alertId)).toEqual(alert);
  });

  it('adds later detections of the fingerprint to the same alert', async () => {
    const first = await store.recordDetection(
      detection('a1', {
        fingerprint: 'fp-agg',
        ...seenAt('a1', '2026-11-20T09:00:00.000Z'),
        outcome: Outcome.DENIED,
      }),
      T0,
    );
    const second = await store.recordDetection(
      detection('a2', {
        fingerprint: 'fp-agg',
        severity: Severity.HIGH,
        actor: { username: 'system:anonymous', sourceIps: ['198.51.100.7'] },
        evidence: {
          auditIds: ['audit-a2', 'audit-a2b'],
          firstSeen: new Date('2026-11-20T08:00:00.000Z'),
          lastSeen: new Date('2026-11-20T09:30:00.000Z'),
          count: 3,
          matched: {},
        },
        outcome: Outcome.ALLOWED,
      }),
      T1,
    );
    expect(second.change).toBe('updated');
    expect(second.notify).toBe(true);
    expect(second.alert.alertId).toBe(first.alert.alertId);
    expect(second.alert.revision).toBe(2);
    expect(second.alert.seq).toBeGreaterThan(first.alert.seq);
    expect(second.alert.evidence).toEqual({
      auditIds: ['audit-a1', 'audit-a2', 'audit-a2b'],
      // $min / $max of both detections' windows.
      firstSeen: new Date('2026-11-20T08:00:00.000Z'),
      lastSeen: new Date('2026-11-20T09:30:00.000Z'),
      // 1 + the stateful detection's 3.
      count: 4,
      // The first detection's (seenAt gives none).
      matched: {},
    });
    expect(second.alert.severity).toBe(Severity.HIGH);
    expect(second.alert.outcome).toBe(Outcome.ALLOWED);
    expect(second.alert.actor?.sourceIps).toEqual([
      '203.0.113.45',
      '198.51.100.7',
    ]);
    expect(second.alert.createdAt).toEqual(T0);
    expect(second.alert.updatedAt).toEqual(T1);
    // Repeats are counted, not written into the history.
    expect(second.alert.history.map(h => h.action)).toEqual(['created']);

    const page = await store.list({ ruleId: 'anonymous-request-allowed' });
    expect(
      page.alerts.filter(a => a.fingerprint === 'fp-agg').map(a => a.revision),
    ).toEqual([2]);
  });

  it('keeps only the most recent audit IDs', async () => {
    const small = await harness.open({ limits: { auditIds: 3 } });
    for (let i = 1; i <= 5; i += 1) {
      await small.recordDetection(
        detection(`b${String(i)}`, { fingerprint: 'fp-bounded' }),
        T0,
      );
    }
    const alert = await small.get(alertIdFor('fp-bounded'));
    expect(alert?.evidence?.auditIds).toEqual([
      'audit-b3',
      'audit-b4',
      'audit-b5',
    ]);
    expect(alert?.evidence?.count).toBe(5);
  });

  it('gives a detection without fingerprint an alert of its own', async () => {
    const a = await store.recordDetection(
      detection('nofp-1', { fingerprint: '' }),
      T0,
    );
    const b = await store.recordDetection(
      detection('nofp-2', { fingerprint: '' }),
      T0,
    );
    expect(a.change).toBe('created');
    expect(b.change).toBe('created');
    expect(a.alert.alertId).not.toBe(b.alert.alertId);
    expect(a.alert.fingerprint).toBe('detection:nofp-1');
  });

  it('stores matched values under keys the server accepts', async () => {
    const result = await store.recordDetection(
      detection('keys-1', {
        fingerprint: 'fp-keys',
        evidence: {
          auditIds: ['a'],
          count: 1,
          matched: { 'app.kubernetes.io/name': 'web', $where: 'x' },
          firstSeen: T0,
          lastSeen: T0,
        },
      }),
      T0,
    );
    expect(result.alert.evidence?.matched).toEqual({
      'app_kubernetes_io/name': 'web',
      _where: 'x',
    });
  });

  it('refuses a detection without id, naming the field', async () => {
    await expect(store.recordDetection(detection(''), T0)).rejects.toThrow(
      new InvalidArgumentError('detection_id', 'required'),
    );
  });
});

describe('recordDetection: idempotency', () => {
  it('changes nothing when a detection is delivered again', async () => {
    const first = await store.recordDetection(
      detection('r1', { fingerprint: 'fp-redeliver' }),
      T0,
    );
    await store.recordDetection(
      detection('r2', { fingerprint: 'fp-redeliver' }),
      T0,
    );
    const before = await store.get(first.alert.alertId);
    const again = await store.recordDetection(
      detection('r1', { fingerprint: 'fp-redeliver', title: 'changed' }),
      T1,
    );
    expect(again.change).toBe('duplicate');
    expect(again.notify).toBe(false);
    expect(again.alert).toEqual(before);
    // What the detection did when it was first recorded, for re-notifying.
    expect(again.recorded?.change).toBe('created');
    expect(again.recorded?.notify).toBe(true);
    expect(again.recorded?.alert.revision).toBe(1);
    expect(await store.get(first.alert.alertId)).toEqual(before);
  });

  it('records a detection delivered many times at once exactly once', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        store.recordDetection(
          detection('race-1', { fingerprint: 'fp-race' }),
          T0,
        ),
      ),
    );
    const changes = results.map(r => r.change).sort();
    expect(changes).toEqual(['created', ...Array<string>(7).fill('duplicate')]);
    const alert = await store.get(alertIdFor('fp-race'));
    expect(alert?.evidence?.count).toBe(1);
    expect(alert?.revision).toBe(1);
  });

  it('counts distinct detections racing on a new fingerprint once each', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.recordDetection(
          detection(`race2-${String(i)}`, { fingerprint: 'fp-race-2' }),
          T0,
        ),
      ),
    );
    const kinds = results.map(r => r.change);
    expect(kinds.filter(k => k === 'created')).toHaveLength(1);
    expect(kinds.filter(k => k === 'updated')).toHaveLength(9);
    // Every write saw a distinct revision, and the last one is the alert.
    expect(results.map(r => r.alert.revision).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    const alert = await store.get(alertIdFor('fp-race-2'));
    expect(alert?.evidence?.count).toBe(10);
    expect(alert?.revision).toBe(10);
    expect(alert?.evidence?.auditIds).toHaveLength(10);
  });

  it('finishes a write whose writer died after the change log', async () => {
    const first = await store.recordDetection(
      detection('crash-1', { fingerprint: 'fp-crash' }),
      T0,
    );
    // Simulate the crash: commit revision 2 to the log, never to the alert.
    const changes = store.db.collection<{
      _id: number;
      alert: Record<string, unknown>;
    }>('alert_changes');
    const [newest] = await changes.find().sort({ _id: -1 }).limit(1).toArray();
    const seq = (newest?._id ?? 0) + 1;
    const committed = {
      ...(await store.db
        .collection<{ _id: string }>('alerts')
        .findOne({ _id: first.alert.alertId })),
      revision: 2,
      seq,
      evidence: {
        ...first.alert.evidence,
        count: 2,
        auditIds: ['audit-crash-1', 'audit-crash-2'],
      },
    };
    await changes.insertOne({
      _id: seq,
      alertId: first.alert.alertId,
      revision: 2,
      change: 'updated' satisfies ChangeKind,
      detectionId: 'crash-2',
      at: T1,
      alert: committed,
    } as never);
    expect((await store.get(first.alert.alertId))?.revision).toBe(1);

    // Its redelivery finds the committed change and completes it.
    const redelivered = await store.recordDetection(
      detection('crash-2', { fingerprint: 'fp-crash' }),
      T1,
    );
    expect(redelivered.change).toBe('duplicate');
    expect(redelivered.recorded).toMatchObject({
      change: 'updated',
      notify: true,
    });
    expect(redelivered.alert.revision).toBe(2);
    expect(redelivered.alert.evidence?.count).toBe(2);

    const next = await store.recordDetection(
      detection('crash-3', { fingerprint: 'fp-crash' }),
      T1,
    );
    expect(next.alert.revision).toBe(3);
    expect(next.alert.evidence?.count).toBe(3);
  });
});

describe('recordDetection: reopen', () => {
  it('reopens a resolved alert that fires again, with a history entry', async () => {
    const created = await store.recordDetection(
      detection('ro-1', { fingerprint: 'fp-reopen' }),
      T0,
    );
    await store.updateAlert(
      created.alert.alertId,
      { status: AlertStatus.RESOLVED, reason: 'binding removed' },
      'alice',
      T0,
    );
    const reopened = await store.recordDetection(
      detection('ro-2', { fingerprint: 'fp-reopen' }),
      T1,
    );
    expect(reopened.change).toBe('reopened');
    expect(reopened.notify).toBe(true);
    expect(reopened.alert.alertId).toBe(created.alert.alertId);
    expect(reopened.alert.status).toBe(AlertStatus.NEW);
    expect(reopened.alert.statusReason).toBe('');
    expect(reopened.alert.evidence?.count).toBe(2);
    expect(reopened.alert.history.at(-1)).toEqual({
      at: T1,
      who: 'kubeguard-detector',
      action: 'reopened',
      from: 'resolved',
      to: 'new',
      comment: 'fired again (detection ro-2)',
    });
  });

  it('keeps a dismissed alert dismissed and does not notify its repeats', async () => {
    const created = await store.recordDetection(
      detection('dm-1', { fingerprint: 'fp-dismissed' }),
      T0,
    );
    await store.updateAlert(
      created.alert.alertId,
      { status: AlertStatus.DISMISSED, reason: 'scanner we run' },
      'alice',
      T0,
    );
    const repeat = await store.recordDetection(
      detection('dm-2', { fingerprint: 'fp-dismissed' }),
      T1,
    );
    expect(repeat.change).toBe('updated');
    expect(repeat.notify).toBe(false);
    expect(repeat.alert.status).toBe(AlertStatus.DISMISSED);
    expect(repeat.alert.statusReason).toBe('scanner we run');
    expect(repeat.alert.evidence?.count).toBe(2);
  });
});

describe('schema v1 documents', () => {
  it('reads a v1 alert and aggregates later detections into it as v2', async () => {
    const database = `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const writer = await harness.open({ database });
    await writer.db.collection<{ _id: string }>('alerts').insertOne({
      _id: 'old-detection',
      schemaVersion: 1,
      fingerprint: 'fp-v1',
      ruleId: 'anonymous-request-allowed',
      alertType: 'K8S_AnonymousRequestAllowed',
      title: 'old',
      description: '',
      severity: Severity.LOW,
      mitreTactics: [],
      mitreTechniques: [],
      cluster: 'prod',
      actor: {
        username: 'u',
        groups: [],
        sourceIps: [],
        userAgent: '',
        impersonatedUsername: '',
      },
      target: {
        verb: 'get',
        resource: 'pods',
        subresource: '',
        namespace: 'ns',
        name: '',
        apiGroup: '',
      },
      workload: null,
      evidence: {
        auditIds: ['audit-old'],
        firstSeen: new Date('2026-11-01T00:00:00Z'),
        lastSeen: new Date('2026-11-01T00:00:00Z'),
        count: 1,
        matched: {},
      },
      remediation: [],
      status: 'new',
      outcome: Outcome.ALLOWED,
      detector: 'kubeguard-detector',
      createdAt: new Date('2026-11-01T00:00:01Z'),
      updatedAt: new Date('2026-11-01T00:00:01Z'),
    } as never);
    // A store opened on a database with v1 alerts looks them up by field.
    const legacy = await harness.open({ database });

    expect(await legacy.get('old-detection')).toMatchObject({
      alertId: 'old-detection',
      title: 'old',
      status: AlertStatus.NEW,
      revision: 0,
      seq: 0,
      comments: [],
      history: [],
      suppressed: false,
      evidence: { count: 1, auditIds: ['audit-old'] },
    });
    // Its own detection again: recorded before, so a duplicate.
    expect(
      (
        await legacy.recordDetection(
          detection('old-detection', { fingerprint: 'fp-v1' }),
          T0,
        )
      ).change,
    ).toBe('duplicate');

    const next = await legacy.recordDetection(
      detection('new-detection', { fingerprint: 'fp-v1' }),
      T0,
    );
    expect(next.change).toBe('updated');
    expect(next.alert).toMatchObject({
      alertId: 'old-detection',
      revision: 1,
      evidence: { count: 2, auditIds: ['audit-old', 'audit-new-detection'] },
    });
    const stored = await legacy.db
      .collection<{ _id: string; schemaVersion: number }>('alerts')
      .findOne({ _id: 'old-detection' });
    expect(stored?.schemaVersion).toBe(2);
    expect(await legacy.db.collection('alerts').countDocuments()).toBe(1);
  });
});
