import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  credentials,
  status,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  AlertChangeKind,
  AlertServiceClient,
  AlertServiceService,
  Detection,
  StreamAlertsRequest,
  type Severity,
  type AlertEvent,
  type StreamAlertsResponse,
} from '@kubeguard/contracts';
import { startGrpcServer, type GrpcServer } from '@kubeguard/grpc';
import { silentLogger } from '@kubeguard/log';
import {
  alertIdFor,
  connectMongoAlertStore,
  type MongoAlertStore,
} from '@kubeguard/storage-mongo';
import {
  startMongoServer,
  waitFor,
  type MongoServerHandle,
} from '@kubeguard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createAlertService } from '../src/alert-service.js';

const log = silentLogger();
const NOW = new Date('2026-11-20T12:00:00.000Z');

let mongo: MongoServerHandle;
const stores: MongoAlertStore[] = [];
const servers: GrpcServer[] = [];
const clients: AlertServiceClient[] = [];

beforeAll(async () => {
  mongo = await startMongoServer();
});
afterEach(async () => {
  clients.splice(0).forEach(c => c.close());
  await Promise.all(servers.splice(0).map(s => s.close()));
  await Promise.all(stores.splice(0).map(s => s.close()));
});
afterAll(async () => {
  await mongo.stop();
});

/** A store on a fresh database, served over gRPC, and a client for it. */
async function serve(signal?: AbortSignal): Promise<{
  store: MongoAlertStore;
  client: AlertServiceClient;
}> {
  const store = await connectMongoAlertStore({
    url: mongo.url,
    database: `stream_${randomUUID().slice(0, 8)}`,
    maintenanceIntervalMs: 0,
  });
  stores.push(store);
  const server = await startGrpcServer({
    port: 0,
    log,
    services: [
      [
        AlertServiceService,
        createAlertService(store, log, {
          pollMs: 50,
          ...(signal ? { signal } : {}),
        }),
      ],
    ],
  });
  servers.push(server);
  const client = new AlertServiceClient(
    `127.0.0.1:${String(server.port)}`,
    credentials.createInsecure(),
  );
  clients.push(client);
  return { store, client };
}

function detection(
  id: string,
  fingerprint: string,
  cluster: string,
): Detection {
  return Detection.fromPartial({
    detectionId: id,
    fingerprint,
    ruleId: 'anonymous-request-allowed',
    title: `alert ${fingerprint}`,
    cluster,
    detector: 'kubeguard-detector',
    evidence: {
      auditIds: [`audit-${id}`],
      firstSeen: NOW,
      lastSeen: NOW,
      count: 1,
    },
  });
}

/** An open stream: the events so far, and how it ended. */
interface OpenStream {
  call: ClientReadableStream<StreamAlertsResponse>;
  events: AlertEvent[];
  ended: Promise<{ code: number; details: string }>;
}

function stream(
  client: AlertServiceClient,
  request: Partial<StreamAlertsRequest>,
): OpenStream {
  const call = client.streamAlerts(StreamAlertsRequest.fromPartial(request));
  const events: AlertEvent[] = [];
  call.on('data', (response: StreamAlertsResponse) => {
    if (response.event) {
      events.push(response.event);
    }
  });
  const ended = new Promise<{ code: number; details: string }>(resolve => {
    call.on('error', (err: ServiceError) => {
      resolve({ code: err.code, details: err.details });
    });
    call.on('status', s => {
      if (s.code === status.OK) {
        resolve({ code: s.code, details: s.details });
      }
    });
  });
  return { call, events, ended };
}

describe('StreamAlerts', () => {
  it('delivers every alert change exactly once and in order across a disconnect', async () => {
    const { store, client } = await serve();

    // Detections keep arriving (12 fingerprints, 5 each, some comments)
    // while the consumer streams, disconnects and comes back.
    let produced = false;
    const producer = (async () => {
      for (let i = 0; i < 60; i += 1) {
        const fingerprint = `fp-${String(i % 12)}`;
        await store.recordDetection(
          detection(
            `d${String(i)}`,
            fingerprint,
            i % 3 === 0 ? 'stage' : 'prod',
          ),
          new Date(NOW.getTime() + i),
        );
        if (i % 10 === 5) {
          await store.updateAlert(
            alertIdFor(fingerprint),
            { comment: `note ${String(i)}` },
            'bob',
            NOW,
          );
        }
        await sleep(5);
      }
      produced = true;
    })();

    const first = stream(client, { cursor: '' });
    await waitFor(() => (first.events.length >= 20 ? true : undefined), {
      timeoutMs: 20_000,
      what: '20 events on the first connection',
    });
    first.call.cancel();
    expect((await first.ended).code).toBe(status.CANCELLED);
    const received = [...first.events];
    const resumeFrom = received.at(-1)?.cursor ?? '';

    // Changes keep happening while nobody listens.
    await sleep(150);
    const whileAway = (await store.list({ pageSize: 1 })).streamCursor;
    expect(Number(whileAway)).toBeGreaterThan(Number(resumeFrom));
    const second = stream(client, { cursor: resumeFrom });
    await producer;
    expect(produced).toBe(true);
    const newest = (await store.list({ pageSize: 1 })).streamCursor;
    await waitFor(
      () => (second.events.at(-1)?.cursor === newest ? true : undefined),
      { timeoutMs: 20_000, what: `the stream to reach change ${newest}` },
    );
    second.call.cancel();
    await second.ended;
    expect(second.events[0]?.cursor).toBe(String(Number(resumeFrom) + 1));
    received.push(...second.events);

    // Exactly the committed changes, each once, in commit order.
    const log = await store.readChanges(0, {}, 10_000);
    expect(received.map(e => Number(e.cursor))).toEqual(
      log.events.map(e => e.seq),
    );
    expect(received.map(e => e.cursor)).toEqual(
      Array.from({ length: Number(newest) }, (_, i) => String(i + 1)),
    );
    expect(received).toHaveLength(60 + 6);
    const kinds = received.map(e => e.change);
    expect(kinds.filter(k => k === AlertChangeKind.CREATED)).toHaveLength(12);
    expect(kinds.filter(k => k === AlertChangeKind.UPDATED)).toHaveLength(48);
    expect(kinds.filter(k => k === AlertChangeKind.EDITED)).toHaveLength(6);

    // Each alert's revisions arrive 1, 2, 3... and the last is its state now.
    const byAlert = new Map<string, AlertEvent[]>();
    for (const event of received) {
      const id = event.alert?.alertId ?? '';
      byAlert.set(id, [...(byAlert.get(id) ?? []), event]);
    }
    expect(byAlert.size).toBe(12);
    for (const [id, events] of byAlert) {
      expect(events.map(e => e.alert?.revision)).toEqual(
        events.map((_, i) => i + 1),
      );
      expect(events.at(-1)?.alert).toEqual(await store.get(id));
      expect(events.at(-1)?.alert?.seq).toBe(Number(events.at(-1)?.cursor));
    }
  });

  it('sends only the changes matching the filter, then live ones', async () => {
    const { store, client } = await serve();
    await store.recordDetection(detection('f1', 'fp-a', 'prod'), NOW);
    await store.recordDetection(detection('f2', 'fp-b', 'stage'), NOW);
    const s = stream(client, { cluster: 'stage' });
    await waitFor(() => (s.events.length === 1 ? true : undefined));
    await store.recordDetection(detection('f3', 'fp-a', 'prod'), NOW);
    await store.recordDetection(detection('f4', 'fp-b', 'stage'), NOW);
    await waitFor(() => (s.events.length === 2 ? true : undefined));
    s.call.cancel();
    expect(
      s.events.map(e => [
        e.cursor,
        e.change,
        e.alert?.cluster,
        e.alert?.evidence?.count,
      ]),
    ).toEqual([
      ['2', AlertChangeKind.CREATED, 'stage', 1],
      ['4', AlertChangeKind.UPDATED, 'stage', 2],
    ]);
  });

  it('answers a bad cursor or filter with the field, and an expired cursor with FAILED_PRECONDITION', async () => {
    const { store, client } = await serve();
    await store.recordDetection(detection('x1', 'fp-x1', 'prod'), NOW);
    await store.recordDetection(detection('x2', 'fp-x2', 'prod'), NOW);
    expect(await stream(client, { cursor: 'yesterday' }).ended).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "cursor: 'yesterday' is not a cursor from a previous event",
    });
    expect(await stream(client, { cursor: '7' }).ended).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "cursor: '7' is ahead of the newest change (2)",
    });
    expect(await stream(client, { minSeverity: 12 as Severity }).ended).toEqual(
      {
        code: status.INVALID_ARGUMENT,
        details: "min_severity: unknown severity '12'",
      },
    );
    // Changes older than the change retention are pruned (the newest stays).
    await store.recordDetection(detection('x3', 'fp-x3', 'prod'), NOW);
    await store.runMaintenance(new Date(NOW.getTime() + 30 * 86_400_000));
    expect(await stream(client, { cursor: '1' }).ended).toEqual({
      code: status.FAILED_PRECONDITION,
      details:
        "cursor: changes after '1' are no longer kept (the oldest is 3); list the alerts again and stream from the list's stream_cursor",
    });
  });

  it('ends open streams with OK when the service is told to stop', async () => {
    const stop = new AbortController();
    const { store, client } = await serve(stop.signal);
    await store.recordDetection(detection('z1', 'fp-z', 'prod'), NOW);
    const s = stream(client, {});
    await waitFor(() => (s.events.length === 1 ? true : undefined));
    stop.abort();
    expect((await s.ended).code).toBe(status.OK);
  });
});
