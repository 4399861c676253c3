import {
  AlertStatus,
  Detection,
  Severity,
  type Alert,
} from '@kubeguard/contracts';
import {
  connectMongoAlertStore,
  createMongoOutbox,
  type MongoAlertStore,
  type Outbox,
} from '@kubeguard/storage-mongo';
import { startMongoServer, type MongoServerHandle } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createAlertNotifier,
  notifyDetection,
  type AlertNotifier,
} from '../../src/delivery/alert-notifier.js';
import { withClosureNotifications } from '../../src/delivery/notify-closures.js';
import { createSinks, parseSinksConfig } from '../../src/sinks/index.js';
import type { AlertChange } from '../../src/sinks/sink.js';

let mongo: MongoServerHandle;
let store: MongoAlertStore;
let outbox: Outbox<AlertChange>;
let notifier: AlertNotifier;
let working: MongoAlertStore;

beforeAll(async () => {
  mongo = await startMongoServer();
  store = await connectMongoAlertStore({
    url: mongo.url,
    database: 'closures_test',
  });
  outbox = await createMongoOutbox<AlertChange>(store.db);
  const sinks = createSinks(
    parseSinksConfig(
      'sinks: [{ id: pd, kind: webhook, url: "http://127.0.0.1:9/" }]',
      'sinks.yaml',
      {},
    ),
  );
  notifier = createAlertNotifier({
    sinks: sinks.map(s => s.sink),
    outbox,
    wake: () => undefined,
  });
  working = withClosureNotifications(store, notifier);
});
afterAll(async () => {
  await store.close();
  await mongo.stop();
});

const detection = (id: string, fingerprint: string): Detection =>
  Detection.fromPartial({
    detectionId: id,
    fingerprint,
    ruleId: 'privileged-pod',
    alertType: 'K8S_PrivilegedContainer',
    title: 'Privileged container',
    severity: Severity.HIGH,
    cluster: 'prod',
    evidence: { auditIds: [`audit-${id}`], count: 1 },
    detector: 'kubeguard-detector',
  });

async function raise(fingerprint: string): Promise<Alert> {
  const recorded = await store.recordDetection(
    detection(`det-${fingerprint}`, fingerprint),
    new Date(),
  );
  await notifyDetection(notifier, recorded);
  return recorded.alert;
}

describe('closure notifications', () => {
  it('tells sinks when a person resolves an alert, under the revision of that change', async () => {
    const alert = await raise('fp-resolve');
    expect(await outbox.get(`pd:${alert.alertId}:r1`)).toMatchObject({
      change: 'created',
    });

    await working.updateAlert(
      alert.alertId,
      { status: AlertStatus.IN_PROGRESS, assignee: 'alice' },
      'alice',
      new Date(),
    );
    const resolved = await working.updateAlert(
      alert.alertId,
      { status: AlertStatus.RESOLVED, reason: 'pod deleted' },
      'alice',
      new Date(),
    );
    expect(resolved.revision).toBe(3);
    expect(await outbox.get(`pd:${alert.alertId}:r2`)).toBeUndefined();
    expect(await outbox.get(`pd:${alert.alertId}:r3`)).toMatchObject({
      change: 'resolved',
      alert: { status: AlertStatus.RESOLVED, statusReason: 'pod deleted' },
    });

    // Asked again (a client retrying): the same notification, not a second.
    await working.updateAlert(
      alert.alertId,
      { status: AlertStatus.RESOLVED },
      'alice',
      new Date(),
    );
    const items = await Promise.all(
      [1, 2, 3, 4].map(r => outbox.get(`pd:${alert.alertId}:r${String(r)}`)),
    );
    expect(items.map(i => i?.change)).toEqual([
      'created',
      undefined,
      'resolved',
      undefined,
    ]);
  });

  it('tells sinks of a dismissal as a closure too', async () => {
    const alert = await raise('fp-dismiss');
    const dismissed = await working.updateAlert(
      alert.alertId,
      { status: AlertStatus.DISMISSED, reason: 'expected: CI runner' },
      'bob',
      new Date(),
    );
    expect(
      await outbox.get(`pd:${alert.alertId}:r${String(dismissed.revision)}`),
    ).toMatchObject({
      change: 'resolved',
      alert: { status: AlertStatus.DISMISSED },
    });
  });
});
