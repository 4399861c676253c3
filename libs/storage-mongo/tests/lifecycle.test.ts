import { AlertStatus, type Alert } from '@kubeguard/contracts';
import { InvalidArgumentError, NotFoundError } from '@kubeguard/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { MongoAlertStore } from '../src/index.js';
import {
  detection,
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

const at = (minute: number): Date =>
  new Date(Date.UTC(2026, 10, 20, 12, minute));

async function newAlert(fingerprint: string): Promise<Alert> {
  return (
    await store.recordDetection(
      detection(`${fingerprint}-d`, { fingerprint }),
      at(0),
    )
  ).alert;
}

describe('updateAlert', () => {
  it('works an alert through its lifecycle, recording who did what and when', async () => {
    const created = await newAlert('fp-life');
    const id = created.alertId;

    const taken = await store.updateAlert(
      id,
      { status: AlertStatus.IN_PROGRESS, assignee: 'alice' },
      'bob',
      at(1),
    );
    expect(taken).toMatchObject({
      status: AlertStatus.IN_PROGRESS,
      assignee: 'alice',
      revision: 2,
      updatedAt: at(1),
    });
    expect(taken.seq).toBeGreaterThan(created.seq);

    const commented = await store.updateAlert(
      id,
      { comment: 'the binding comes from the helm chart' },
      'alice',
      at(2),
    );
    expect(commented.revision).toBe(3);
    expect(commented.seq).toBeGreaterThan(taken.seq);
    expect(commented.comments).toEqual([
      {
        author: 'alice',
        text: 'the binding comes from the helm chart',
        at: at(2),
      },
    ]);

    const resolved = await store.updateAlert(
      id,
      { status: AlertStatus.RESOLVED, reason: 'binding removed' },
      'alice',
      at(3),
    );
    expect(resolved).toMatchObject({
      status: AlertStatus.RESOLVED,
      statusReason: 'binding removed',
      revision: 4,
    });

    const back = await store.updateAlert(
      id,
      { status: AlertStatus.IN_PROGRESS, assignee: '' },
      'carol',
      at(4),
    );
    expect(back).toMatchObject({
      status: AlertStatus.IN_PROGRESS,
      statusReason: '',
      assignee: '',
      revision: 5,
    });

    expect(back.history).toEqual([
      {
        at: at(0),
        who: 'kubeguard-detector',
        action: 'created',
        from: '',
        to: 'new',
        comment: '',
      },
      {
        at: at(1),
        who: 'bob',
        action: 'status',
        from: 'new',
        to: 'in_progress',
        comment: '',
      },
      {
        at: at(1),
        who: 'bob',
        action: 'assigned',
        from: '',
        to: 'alice',
        comment: '',
      },
      {
        at: at(2),
        who: 'alice',
        action: 'commented',
        from: '',
        to: '',
        comment: 'the binding comes from the helm chart',
      },
      {
        at: at(3),
        who: 'alice',
        action: 'status',
        from: 'in_progress',
        to: 'resolved',
        comment: 'binding removed',
      },
      {
        at: at(4),
        who: 'carol',
        action: 'status',
        from: 'resolved',
        to: 'in_progress',
        comment: '',
      },
      {
        at: at(4),
        who: 'carol',
        action: 'assigned',
        from: 'alice',
        to: '',
        comment: '',
      },
    ]);
    expect(await store.get(id)).toEqual(back);
  });

  it('lets a new alert be dismissed directly, with a reason', async () => {
    const { alertId } = await newAlert('fp-dismiss');
    await expect(
      store.updateAlert(
        alertId,
        { status: AlertStatus.DISMISSED },
        'bob',
        at(1),
      ),
    ).rejects.toThrow(
      new InvalidArgumentError('reason', 'required to dismiss an alert'),
    );
    const dismissed = await store.updateAlert(
      alertId,
      { status: AlertStatus.DISMISSED, reason: 'our vulnerability scanner' },
      'bob',
      at(1),
    );
    expect(dismissed).toMatchObject({
      status: AlertStatus.DISMISSED,
      statusReason: 'our vulnerability scanner',
      revision: 2,
    });
  });

  it.each([
    [AlertStatus.RESOLVED, 'dismissed', AlertStatus.DISMISSED],
    [AlertStatus.RESOLVED, 'new', AlertStatus.NEW],
    [AlertStatus.DISMISSED, 'resolved', AlertStatus.RESOLVED],
    [AlertStatus.DISMISSED, 'new', AlertStatus.NEW],
    [AlertStatus.IN_PROGRESS, 'new', AlertStatus.NEW],
  ])(
    "refuses status %i -> '%s', naming the status field",
    async (from, to, target) => {
      const { alertId } = await newAlert(`fp-refuse-${String(from)}-${to}`);
      await store.updateAlert(
        alertId,
        from === AlertStatus.IN_PROGRESS
          ? { status: from }
          : { status: from, reason: 'because' },
        'bob',
        at(1),
      );
      const fromName = AlertStatus[from].toLowerCase();
      await expect(
        store.updateAlert(alertId, { status: target }, 'bob', at(2)),
      ).rejects.toThrow(
        new InvalidArgumentError(
          'status',
          `cannot go from '${fromName}' to '${to}'`,
        ),
      );
    },
  );

  it('names the field of every other invalid update', async () => {
    const { alertId } = await newAlert('fp-invalid');
    const refuse = (update: Parameters<MongoAlertStore['updateAlert']>[1]) =>
      store.updateAlert(alertId, update, 'bob', at(1));
    await expect(refuse({})).rejects.toThrow(
      new InvalidArgumentError(
        'status',
        'nothing to change: set status, assignee or comment',
      ),
    );
    await expect(refuse({ status: 42 as AlertStatus })).rejects.toThrow(
      new InvalidArgumentError('status', "unknown status '42'"),
    );
    await expect(
      refuse({ status: AlertStatus.IN_PROGRESS, reason: 'why not' }),
    ).rejects.toThrow(
      new InvalidArgumentError(
        'reason',
        'only applies when the status changes to resolved or dismissed',
      ),
    );
    await expect(refuse({ comment: 'x'.repeat(10_001) })).rejects.toThrow(
      new InvalidArgumentError(
        'comment',
        'must be at most 10000 characters, got 10001',
      ),
    );
    await expect(refuse({ assignee: 'x'.repeat(201) })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(
      store.updateAlert('no-such-alert', { comment: 'hi' }, 'bob', at(1)),
    ).rejects.toThrow(
      new NotFoundError("alert 'no-such-alert' does not exist"),
    );
    await expect(
      store.updateAlert('', { comment: 'hi' }, 'bob', at(1)),
    ).rejects.toThrow(new InvalidArgumentError('alert_id', 'required'));
    // None of these changed the alert.
    expect((await store.get(alertId))?.revision).toBe(1);
  });

  it('answers a repeated request with the alert unchanged', async () => {
    const { alertId } = await newAlert('fp-repeat');
    const first = await store.updateAlert(
      alertId,
      { status: AlertStatus.IN_PROGRESS, assignee: 'alice' },
      'bob',
      at(1),
    );
    const again = await store.updateAlert(
      alertId,
      { status: AlertStatus.IN_PROGRESS, assignee: 'alice' },
      'bob',
      at(2),
    );
    expect(again).toEqual(first);
  });

  it('serialises concurrent updates: every one lands, each on its own revision', async () => {
    const { alertId } = await newAlert('fp-concurrent');
    const updated = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        store.updateAlert(
          alertId,
          { comment: `note ${String(i)}` },
          'bob',
          at(1),
        ),
      ),
    );
    expect(updated.map(a => a.revision).sort((a, b) => a - b)).toEqual([
      2, 3, 4, 5, 6, 7,
    ]);
    const alert = await store.get(alertId);
    expect(alert?.comments.map(c => c.text).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `note ${String(i)}`),
    );
  });
});
