import { Alert, Severity } from '@kubeguard/contracts';
import {
  connectMongoOutbox,
  type ConnectedOutbox,
} from '@kubeguard/storage-mongo';
import { startMongoServer, type MongoServerHandle } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createAlertNotifier,
  notifyDetection,
  type AlertNotifier,
} from '../../src/delivery/alert-notifier.js';
import { createSinks, parseSinksConfig } from '../../src/sinks/index.js';
import type { AlertChange } from '../../src/sinks/sink.js';

let mongo: MongoServerHandle;
let outbox: ConnectedOutbox<AlertChange>;
let notifier: AlertNotifier;
const woken: string[][] = [];

// Real sinks from a sinks file: routing is theirs, the outbox is ours.
const SINKS = `
sinks:
  - id: all
    kind: webhook
    url: http://127.0.0.1:9/all
  - id: high-only
    kind: webhook
    url: http://127.0.0.1:9/high
    minSeverity: high
  - id: staging
    kind: webhook
    url: http://127.0.0.1:9/staging
    clusters: [staging-*]
`;

beforeAll(async () => {
  mongo = await startMongoServer();
  outbox = await connectMongoOutbox<AlertChange>({
    url: mongo.url,
    database: 'notifier_test',
  });
  const sinks = createSinks(parseSinksConfig(SINKS, 'sinks.yaml', {}));
  notifier = createAlertNotifier({
    sinks: sinks.map(s => s.sink),
    outbox,
    wake: ids => woken.push([...ids]),
  });
});
afterAll(async () => {
  await outbox.close();
  await mongo.stop();
});

const alert = (id: string, patch: Partial<Alert> = {}): Alert =>
  Alert.fromPartial({
    alertId: id,
    ruleId: 'privileged-pod',
    title: `alert ${id}`,
    severity: Severity.MEDIUM,
    cluster: 'prod',
    evidence: { count: 1 },
    ...patch,
  });

describe('alert notifier', () => {
  it('stores one notification per sink whose routing accepts the change, with deterministic ids', async () => {
    woken.length = 0;
    const added = await notifier.notify({
      alert: alert('a1', { severity: Severity.HIGH }),
      change: 'created',
      cause: 'det-1',
    });
    expect(added).toBe(2);
    expect(woken).toEqual([['all', 'high-only']]);
    expect(await outbox.get('all:a1:det-1')).toMatchObject({
      sinkId: 'all',
      change: 'created',
      state: 'pending',
      alert: { alertId: 'a1', severity: Severity.HIGH },
    });
    expect(await outbox.get('high-only:a1:det-1')).toMatchObject({
      sinkId: 'high-only',
    });
    expect(await outbox.get('staging:a1:det-1')).toBeUndefined();

    // The same change again (a redelivered detection): nothing new.
    expect(
      await notifier.notify({
        alert: alert('a1', { severity: Severity.HIGH, title: 'other' }),
        change: 'created',
        cause: 'det-1',
      }),
    ).toBe(0);
    expect((await outbox.get('all:a1:det-1'))?.alert.title).toBe('alert a1');

    // A later change of the same alert is a new notification.
    expect(
      await notifier.notify({
        alert: alert('a1', { severity: Severity.MEDIUM }),
        change: 'updated',
        cause: 'det-2',
      }),
    ).toBe(1);
    expect(await outbox.get('all:a1:det-2')).toMatchObject({
      change: 'updated',
    });
  });

  it('stores nothing when no sink wants the change', async () => {
    woken.length = 0;
    expect(
      await notifier.notify({
        alert: alert('a2', { severity: Severity.LOW, cluster: 'dev' }),
        change: 'created',
        cause: 'det-3',
      }),
    ).toBe(1);
    expect(
      await notifier.notify({
        alert: alert('a2', { severity: Severity.LOW, cluster: 'staging-eu' }),
        change: 'updated',
        cause: 'det-4',
      }),
    ).toBe(2);
    expect(await outbox.get('staging:a2:det-4')).toMatchObject({
      change: 'updated',
    });
  });

  it('notifies what a detection did under its alert revision, unless the store says not to', async () => {
    expect(
      await notifyDetection(notifier, {
        alert: alert('a3', { revision: 1 }),
        change: 'created',
        suppressed: true,
        notify: false,
      }),
    ).toBe(0);
    expect(await outbox.get('all:a3:r1')).toBeUndefined();

    expect(
      await notifyDetection(notifier, {
        alert: alert('a3', { revision: 4 }),
        change: 'reopened',
        suppressed: false,
        notify: true,
      }),
    ).toBe(1);
    expect(await outbox.get('all:a3:r4')).toMatchObject({
      change: 'reopened',
      alert: { alertId: 'a3', revision: 4 },
    });
  });

  it('enqueues the first change of a redelivered detection again: a no-op, or the repair of a crash between the two writes', async () => {
    // Stored before: nothing new, nothing changed.
    expect(
      await notifyDetection(notifier, {
        alert: alert('a3', { revision: 9, title: 'now' }),
        change: 'duplicate',
        suppressed: false,
        notify: false,
        recorded: {
          change: 'reopened',
          alert: alert('a3', { revision: 4 }),
          notify: true,
        },
      }),
    ).toBe(0);
    expect(await outbox.get('all:a3:r4')).toMatchObject({
      change: 'reopened',
    });

    // The alert was stored but the notifier died before the outbox write:
    // the change as it was first made is notified now.
    expect(
      await notifyDetection(notifier, {
        alert: alert('a4', { revision: 3, title: 'now' }),
        change: 'duplicate',
        suppressed: false,
        notify: false,
        recorded: {
          change: 'created',
          alert: alert('a4', { revision: 1 }),
          notify: true,
        },
      }),
    ).toBe(1);
    expect(await outbox.get('all:a4:r1')).toMatchObject({
      change: 'created',
      alert: { revision: 1, title: 'alert a4' },
    });

    // A first change that was not to be notified, or is no longer known.
    for (const recorded of [
      {
        change: 'updated' as const,
        alert: alert('a5', { revision: 2 }),
        notify: false,
      },
      undefined,
    ]) {
      expect(
        await notifyDetection(notifier, {
          alert: alert('a5', { revision: 2 }),
          change: 'duplicate',
          suppressed: false,
          notify: false,
          ...(recorded === undefined ? {} : { recorded }),
        }),
      ).toBe(0);
    }
    expect(await outbox.get('all:a5:r2')).toBeUndefined();
  });
});
