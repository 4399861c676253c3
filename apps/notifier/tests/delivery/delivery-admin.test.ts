import { Alert, Severity } from '@kubeguard/contracts';
import { InvalidArgumentError, NotFoundError } from '@kubeguard/errors';
import {
  connectMongoOutbox,
  type ConnectedOutbox,
} from '@kubeguard/storage-mongo';
import { startMongoServer, type MongoServerHandle } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createDeliveryAdmin,
  type DeliveryAdmin,
} from '../../src/delivery/delivery-admin.js';
import { createSinks, parseSinksConfig } from '../../src/sinks/index.js';
import type { AlertChange } from '../../src/sinks/sink.js';
import { startReceiver, type Receiver } from './support/receiver.js';

let mongo: MongoServerHandle;
let outbox: ConnectedOutbox<AlertChange>;
let ok: Receiver;
let refusing: Receiver;
let admin: DeliveryAdmin;
const woken: (readonly string[] | undefined)[] = [];

beforeAll(async () => {
  [mongo, ok, refusing] = await Promise.all([
    startMongoServer(),
    startReceiver(),
    startReceiver(() => ({ status: 401 })),
  ]);
  outbox = await connectMongoOutbox<AlertChange>({
    url: mongo.url,
    database: 'admin_test',
  });
  // Real webhook sinks; the routing of 'critical-only' must not stop a test.
  const sinks = createSinks(
    parseSinksConfig(
      `
sinks:
  - id: critical-only
    kind: webhook
    url: ${ok.url}
    minSeverity: critical
  - id: wrong-token
    kind: webhook
    url: ${refusing.url}
  - id: nobody-home
    kind: webhook
    url: http://127.0.0.1:9/hook
    timeoutMs: 2000
`,
      'sinks.yaml',
      {},
    ),
  );
  admin = createDeliveryAdmin({
    sinks: sinks.map(s => s.sink),
    outbox,
    wake: ids => woken.push(ids),
  });
});
afterAll(async () => {
  await outbox.close();
  await Promise.all([ok.close(), refusing.close(), mongo.stop()]);
});

describe('delivery admin', () => {
  it('lists the configured sinks', () => {
    expect(admin.listSinks()).toEqual([
      { id: 'critical-only', kind: 'webhook' },
      { id: 'wrong-token', kind: 'webhook' },
      { id: 'nobody-home', kind: 'webhook' },
    ]);
  });

  it('sends a test alert through the sink, whatever its routing, and reports success', async () => {
    const result = await admin.sendTestAlert('critical-only');
    expect(result).toMatchObject({
      sinkId: 'critical-only',
      delivered: true,
      error: '',
      retryable: false,
    });
    expect(ok.requests).toHaveLength(1);
    const [request] = ok.requests;
    expect(request?.headers['x-kubeguard-notification-id']).toBe(
      result.notificationId,
    );
    expect(request?.headers['x-kubeguard-change']).toBe('test');
    expect(request?.body).toMatchObject({
      id: result.notificationId,
      change: 'test',
      alert: {
        ruleId: 'kubeguard-test-alert',
        severity: 'SEVERITY_INFO',
        cluster: 'kubeguard-test',
      },
    });
  });

  it("reports the receiver's refusal, and whether a retry could help", async () => {
    expect(await admin.sendTestAlert('wrong-token')).toMatchObject({
      sinkId: 'wrong-token',
      delivered: false,
      error: expect.stringMatching(
        /^SINK_HTTP_STATUS: sink 'wrong-token': .*401/,
      ) as unknown,
      retryable: false,
    });
    expect(await admin.sendTestAlert('nobody-home')).toMatchObject({
      delivered: false,
      error: expect.stringMatching(/^SINK_UNREACHABLE: /) as unknown,
      retryable: true,
    });
  });

  it('names the field of a bad request', async () => {
    await expect(admin.sendTestAlert('')).rejects.toThrow(
      new InvalidArgumentError('sink_id', 'required'),
    );
    await expect(admin.sendTestAlert('nope')).rejects.toThrow(NotFoundError);
    await expect(admin.sendTestAlert('nope')).rejects.toThrow(
      "sink 'nope' is not configured (configured: critical-only, wrong-token, nobody-home)",
    );
    await expect(admin.replayDeadDeliveries({})).rejects.toThrow(
      new InvalidArgumentError(
        'sink_id',
        'give a sink id, delivery ids, or both',
      ),
    );
    await expect(
      admin.replayDeadDeliveries({ sinkId: 'nope' }),
    ).rejects.toThrow(NotFoundError);
    await expect(admin.listDeadDeliveries({ limit: 0 })).rejects.toThrow(
      new InvalidArgumentError('limit', "must be 1-1000, got '0'"),
    );
  });

  it('lists dead letters and replays them by sink or by id, waking the loops', async () => {
    const alert = Alert.fromPartial({ alertId: 'x', severity: Severity.HIGH });
    await outbox.enqueue(
      ['r1', 'r2', 'r3'].map(cause => ({
        id: `wrong-token:x:${cause}`,
        sinkId: 'wrong-token',
        change: 'created' as const,
        alert,
      })),
      new Date(),
    );
    for (const item of await outbox.claimDue('wrong-token', {
      limit: 10,
      now: new Date(),
      leaseMs: 1000,
      owner: 'test',
    })) {
      await outbox.markDead(item, { error: 'HTTP 401', now: new Date() });
    }
    const dead = await admin.listDeadDeliveries({ sinkId: 'wrong-token' });
    expect(dead.map(d => [d.id, d.lastError]).sort()).toEqual([
      ['wrong-token:x:r1', 'HTTP 401'],
      ['wrong-token:x:r2', 'HTTP 401'],
      ['wrong-token:x:r3', 'HTTP 401'],
    ]);
    expect(await admin.listDeadDeliveries({ sinkId: 'critical-only' })).toEqual(
      [],
    );

    woken.length = 0;
    expect(
      await admin.replayDeadDeliveries({ ids: ['wrong-token:x:r1'] }),
    ).toBe(1);
    expect(
      await admin.replayDeadDeliveries({
        sinkId: 'critical-only',
        ids: ['wrong-token:x:r2'],
      }),
    ).toBe(0);
    expect(await admin.replayDeadDeliveries({ sinkId: 'wrong-token' })).toBe(2);
    expect(woken).toEqual([undefined, ['critical-only'], ['wrong-token']]);
    expect(await outbox.counts('wrong-token')).toEqual({ pending: 3, dead: 0 });
  });
});
