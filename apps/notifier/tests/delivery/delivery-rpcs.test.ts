import { credentials, status } from '@grpc/grpc-js';
import {
  Alert,
  AlertServiceClient,
  AlertServiceService,
  Severity,
} from '@kubeguard/contracts';
import {
  callUnary,
  startGrpcServer,
  type GrpcServer,
  type UnaryMethod,
} from '@kubeguard/grpc';
import { silentLogger } from '@kubeguard/log';
import {
  connectMongoAlertStore,
  connectMongoOutbox,
  type ConnectedOutbox,
  type MongoAlertStore,
} from '@kubeguard/storage-mongo';
import { startMongoServer, type MongoServerHandle } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAlertService } from '../../src/alert-service.js';
import { createDeliveryAdmin } from '../../src/delivery/delivery-admin.js';
import { createSinks, parseSinksConfig } from '../../src/sinks/index.js';
import type { AlertChange } from '../../src/sinks/sink.js';
import { startReceiver, type Receiver } from './support/receiver.js';

const log = silentLogger();
let mongo: MongoServerHandle;
let store: MongoAlertStore;
let outbox: ConnectedOutbox<AlertChange>;
let ok: Receiver;
let refusing: Receiver;
let servers: GrpcServer[] = [];
let client: AlertServiceClient;
let alertsOnly: AlertServiceClient;
const woken: (readonly string[] | undefined)[] = [];

beforeAll(async () => {
  [mongo, ok, refusing] = await Promise.all([
    startMongoServer(),
    startReceiver(),
    startReceiver(() => ({ status: 401 })),
  ]);
  store = await connectMongoAlertStore({
    url: mongo.url,
    database: 'delivery_rpcs',
    maintenanceIntervalMs: 0,
  });
  outbox = await connectMongoOutbox<AlertChange>({
    url: mongo.url,
    database: 'delivery_rpcs',
  });
  const sinks = createSinks(
    parseSinksConfig(
      `
sinks:
  - id: soc-webhook
    kind: webhook
    url: ${ok.url}
  - id: wrong-token
    kind: webhook
    url: ${refusing.url}
`,
      'sinks.yaml',
      {},
    ),
  );
  const delivery = createDeliveryAdmin({
    sinks: sinks.map(s => s.sink),
    outbox,
    wake: ids => woken.push(ids),
  });
  servers = await Promise.all([
    startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      log,
      services: [
        [AlertServiceService, createAlertService(store, log, { delivery })],
      ],
    }),
    startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      log,
      services: [[AlertServiceService, createAlertService(store, log)]],
    }),
  ]);
  const [withDelivery, withoutDelivery] = servers.map(
    server =>
      new AlertServiceClient(
        `127.0.0.1:${String(server.port)}`,
        credentials.createInsecure(),
      ),
  );
  client = withDelivery as AlertServiceClient;
  alertsOnly = withoutDelivery as AlertServiceClient;
});

afterAll(async () => {
  client.close();
  alertsOnly.close();
  await Promise.all(servers.map(server => server.close()));
  await Promise.all([store.close(), outbox.close()]);
  await Promise.all([ok.close(), refusing.close(), mongo.stop()]);
});

function call<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  on: AlertServiceClient = client,
): Promise<Res> {
  return callUnary(on, method, request);
}

describe('AlertService delivery RPCs', () => {
  it('lists the configured sinks', async () => {
    expect(await call(client.listSinks, {})).toEqual({
      sinks: [
        { id: 'soc-webhook', kind: 'webhook' },
        { id: 'wrong-token', kind: 'webhook' },
      ],
    });
  });

  it("sends a test alert and reports the receiver's answer", async () => {
    const sent = await call(client.sendTestAlert, { sinkId: 'soc-webhook' });
    expect(sent).toMatchObject({
      sinkId: 'soc-webhook',
      delivered: true,
      error: '',
      retryable: false,
    });
    expect(ok.requests.map(r => r.headers['x-kubeguard-change'])).toEqual([
      'test',
    ]);
    expect(ok.requests[0]?.headers['x-kubeguard-notification-id']).toBe(
      sent.notificationId,
    );

    expect(
      await call(client.sendTestAlert, { sinkId: 'wrong-token' }),
    ).toMatchObject({
      sinkId: 'wrong-token',
      delivered: false,
      error: expect.stringMatching(/^SINK_HTTP_STATUS: .*401/) as unknown,
      retryable: false,
    });
  });

  it('answers INVALID_ARGUMENT naming the field, and NOT_FOUND for an unknown sink', async () => {
    await expect(
      call(client.sendTestAlert, { sinkId: '' }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'sink_id: required',
    });
    await expect(
      call(client.sendTestAlert, { sinkId: 'nope' }),
    ).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining(
        "sink 'nope' is not configured",
      ) as unknown,
    });
    await expect(
      call(client.listDeadDeliveries, { sinkId: '', limit: 5000 }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: "limit: must be 1-1000, got '5000'",
    });
    await expect(
      call(client.replayDeadDeliveries, { sinkId: '', ids: [] }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^sink_id: /) as unknown,
    });
  });

  it('lists dead deliveries with their alert, and replays them', async () => {
    const alert = Alert.fromPartial({
      alertId: 'alert-1',
      title: 'Privileged container in prod',
      severity: Severity.HIGH,
    });
    await outbox.enqueue(
      ['r1', 'r2'].map(cause => ({
        id: `wrong-token:alert-1:${cause}`,
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
      await outbox.markDead(item, {
        error: 'SINK_HTTP_STATUS: 401',
        now: new Date(),
      });
    }

    const { deliveries } = await call(client.listDeadDeliveries, {
      sinkId: 'wrong-token',
      limit: 0,
    });
    expect(deliveries.map(d => d.id).sort()).toEqual([
      'wrong-token:alert-1:r1',
      'wrong-token:alert-1:r2',
    ]);
    expect(deliveries[0]).toMatchObject({
      sinkId: 'wrong-token',
      change: 'created',
      attempts: 1,
      lastError: 'SINK_HTTP_STATUS: 401',
      deadAt: expect.any(Date) as unknown,
      createdAt: expect.any(Date) as unknown,
      alert: { alertId: 'alert-1', title: 'Privileged container in prod' },
    });
    expect(
      await call(client.listDeadDeliveries, {
        sinkId: 'soc-webhook',
        limit: 0,
      }),
    ).toEqual({ deliveries: [] });

    woken.length = 0;
    expect(
      await call(client.replayDeadDeliveries, {
        sinkId: '',
        ids: ['wrong-token:alert-1:r1'],
      }),
    ).toEqual({ replayed: 1 });
    expect(
      await call(client.replayDeadDeliveries, {
        sinkId: 'wrong-token',
        ids: [],
      }),
    ).toEqual({ replayed: 1 });
    expect(woken).toEqual([undefined, ['wrong-token']]);
    expect(await outbox.counts('wrong-token')).toEqual({ pending: 2, dead: 0 });
  });

  it('answers FAILED_PRECONDITION where the server does not deliver alerts', async () => {
    await expect(
      call(alertsOnly.listSinks, {}, alertsOnly),
    ).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: 'this server does not deliver alerts: call the notifier',
    });
  });
});
