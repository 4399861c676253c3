import { credentials, type ServiceError } from '@grpc/grpc-js';
import { connectBus, type Bus } from '@kubeguard/bus';
import {
  IngestServiceClient,
  IngestServiceService,
  PushRequest,
  RawSource,
  type PushResponse,
} from '@kubeguard/contracts';
import { startGrpcServer, type GrpcServer } from '@kubeguard/grpc';
import { silentLogger } from '@kubeguard/log';
import { startNatsServer, type NatsServerHandle } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';

import { createIngestService } from '../src/ingest-service.js';
import { createRawStore } from '../src/raw-store.js';
import { auditIdsOf, readRawBatches } from './support/raw-stream.js';

let nats: NatsServerHandle;
let bus: Bus;
let server: GrpcServer;
let client: IngestServiceClient;
const LIMIT = 32 * 1024;

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await connectBus({
    url: nats.url,
    service: 'collector',
    log: silentLogger(),
    streams: ['AUDIT_RAW'],
  });
  server = await startGrpcServer({
    port: 0,
    log: silentLogger(),
    services: [
      [
        IngestServiceService,
        createIngestService(
          createRawStore(bus, 'grpc-default'),
          LIMIT,
          silentLogger(),
        ),
      ],
    ],
  });
  client = new IngestServiceClient(
    `127.0.0.1:${String(server.port)}`,
    credentials.createInsecure(),
  );
});
afterAll(async () => {
  client.close();
  await server.close();
  await bus.close();
  await nats.stop();
});

function push(request: Partial<PushRequest>): Promise<PushResponse> {
  return new Promise((resolve, reject) => {
    client.push(PushRequest.fromPartial(request), (err, res) => {
      if (err) {
        reject(err);
      } else {
        resolve(res);
      }
    });
  });
}

describe('gRPC IngestService.Push', () => {
  it('stores a gzip body decompressed and answers after storage', async () => {
    const plain = JSON.stringify({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      items: [{ auditID: 'grpc-gz-1' }, { auditID: 'grpc-gz-2' }],
    });
    const res = await push({
      cluster: 'grpc-a',
      origin: 'test',
      body: gzipSync(plain),
    });
    expect(res.duplicate).toBe(false);
    const stored = (await readRawBatches(nats.url)).find(
      b => b.batchId === res.batchId,
    );
    expect(stored?.body.toString('utf8')).toBe(plain);
    expect(stored?.cluster).toBe('grpc-a');
    expect(stored?.source).toBe(RawSource.GRPC);
    expect(stored?.contentType).toBe('application/json');
    expect(auditIdsOf(stored ?? ({} as never))).toEqual([
      'grpc-gz-1',
      'grpc-gz-2',
    ]);

    // The same content plain is the same batch.
    expect(await push({ cluster: 'grpc-a', body: Buffer.from(plain) })).toEqual(
      {
        batchId: res.batchId,
        duplicate: true,
      },
    );
  });

  it('refuses a gzip body that decompresses beyond MAX_BATCH_BYTES, or is broken', async () => {
    const bomb = gzipSync(Buffer.alloc(LIMIT + 1, 'a'));
    await expect(push({ body: bomb })).rejects.toMatchObject({
      code: 3,
      details: `body: decompressed body exceeds MAX_BATCH_BYTES (${String(LIMIT)} bytes)`,
    } satisfies Partial<ServiceError>);
    await expect(
      push({ body: gzipSync('{"kind":"Event"}').subarray(0, 12) }),
    ).rejects.toMatchObject({ code: 3 });
  });
});
