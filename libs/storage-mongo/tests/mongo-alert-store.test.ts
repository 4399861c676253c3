import { AlertStatus, Detection, Severity } from '@kubeguard/contracts';
import { InvalidArgumentError } from '@kubeguard/errors';
import { startMongoServer, type MongoServerHandle } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectMongoAlertStore, type AlertStore } from '../src/index.js';

let mongo: MongoServerHandle;
let store: AlertStore;

beforeAll(async () => {
  mongo = await startMongoServer();
  store = await connectMongoAlertStore({
    url: mongo.url,
    database: 'alerts_test',
  });
});
afterAll(async () => {
  await store.close();
  await mongo.stop();
});

const detection = (id: string, patch: Partial<Detection> = {}): Detection =>
  Detection.fromPartial({
    detectionId: id,
    ruleId: 'anonymous-request-allowed',
    alertType: 'K8S_AnonymousRequestAllowed',
    title: `alert ${id}`,
    severity: Severity.MEDIUM,
    cluster: 'prod',
    actor: { username: 'system:anonymous', sourceIps: ['203.0.113.45'] },
    target: { verb: 'list', resource: 'secrets', namespace: 'default' },
    evidence: {
      auditIds: [`audit-${id}`],
      firstSeen: new Date('2026-11-20T09:15:02.104Z'),
      lastSeen: new Date('2026-11-20T09:15:02.104Z'),
      count: 1,
      matched: { user: 'system:anonymous' },
    },
    remediation: ['delete the binding'],
    fingerprint: 'fp',
    detector: 'kubeguard-detector',
    ...patch,
  });

describe('MongoAlertStore', () => {
  it('stores a detection once, whatever the number of deliveries', async () => {
    const t = new Date('2026-11-20T10:00:00Z');
    expect(await store.recordDetection(detection('d1'), t)).toEqual({
      created: true,
    });
    expect(
      await store.recordDetection(
        detection('d1', { title: 'changed' }),
        new Date(),
      ),
    ).toEqual({
      created: false,
    });
    const alert = await store.get('d1');
    expect(alert).toMatchObject({
      alertId: 'd1',
      title: 'alert d1',
      status: AlertStatus.NEW,
      severity: Severity.MEDIUM,
      actor: { username: 'system:anonymous', sourceIps: ['203.0.113.45'] },
      evidence: {
        auditIds: ['audit-d1'],
        count: 1,
        matched: { user: 'system:anonymous' },
      },
      createdAt: t,
    });
    expect(alert?.evidence?.firstSeen).toEqual(
      new Date('2026-11-20T09:15:02.104Z'),
    );
    expect(await store.get('nope')).toBeUndefined();
  });

  it('filters by cluster, rule and minimum severity, and pages newest first', async () => {
    for (let i = 0; i < 5; i += 1) {
      await store.recordDetection(
        detection(`p${String(i)}`, {
          cluster: 'paging',
          severity: i % 2 ? Severity.HIGH : Severity.LOW,
        }),
        new Date(Date.UTC(2026, 10, 21, 0, 0, i)),
      );
    }
    const first = await store.list({ cluster: 'paging', pageSize: 2 });
    expect(first.alerts.map(a => a.alertId)).toEqual(['p4', 'p3']);
    const second = await store.list({
      cluster: 'paging',
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect(second.alerts.map(a => a.alertId)).toEqual(['p2', 'p1']);
    const third = await store.list({
      cluster: 'paging',
      pageSize: 2,
      pageToken: second.nextPageToken,
    });
    expect(third.alerts.map(a => a.alertId)).toEqual(['p0']);
    expect(third.nextPageToken).toBe('');

    const high = await store.list({
      cluster: 'paging',
      minSeverity: Severity.HIGH,
    });
    expect(high.alerts.map(a => a.alertId)).toEqual(['p3', 'p1']);
    expect((await store.list({ ruleId: 'other' })).alerts).toEqual([]);
    expect(
      (await store.list({ cluster: 'paging', status: AlertStatus.RESOLVED }))
        .alerts,
    ).toEqual([]);
  });

  it('refuses a bad page size or token naming the field', async () => {
    await expect(store.list({ pageSize: 5000 })).rejects.toThrow(
      new InvalidArgumentError('page_size', "must be 0-1000, got '5000'"),
    );
    await expect(store.list({ pageToken: 'garbage' })).rejects.toThrow(
      InvalidArgumentError,
    );
  });

  it('answers ping', async () => {
    expect(await store.ping()).toBe(true);
  });
});
