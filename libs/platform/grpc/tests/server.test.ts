import {
  credentials,
  makeGenericClientConstructor,
  status,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  IngestServiceClient,
  IngestServiceService,
  PushRequest,
  PushResponse,
  type IngestServiceServer,
} from '@kubeguard/contracts';
import { InvalidArgumentError, UnavailableError } from '@kubeguard/errors';
import { silentLogger } from '@kubeguard/log';
import { service as healthService } from 'grpc-health-check';
import { afterEach, describe, expect, it } from 'vitest';

import { startGrpcServer, unary, type GrpcServer } from '../src/index.js';

const log = silentLogger();
let server: GrpcServer | undefined;
const clients: Client[] = [];

afterEach(async () => {
  clients.splice(0).forEach(c => c.close());
  await server?.close();
  server = undefined;
});

const ingest: IngestServiceServer = {
  push: unary(log, async (req: PushRequest) => {
    if (req.body.length === 0) {
      throw new InvalidArgumentError('body', 'must not be empty');
    }
    if (req.cluster === 'down') {
      throw new UnavailableError('the bus is not connected');
    }
    if (req.cluster === 'bug') {
      throw new TypeError('secret internal detail');
    }
    return PushResponse.create({ batchId: 'b1' });
  }),
};

async function start(): Promise<IngestServiceClient> {
  server = await startGrpcServer({
    port: 0,
    log,
    services: [[IngestServiceService, ingest]],
  });
  const client = new IngestServiceClient(
    `127.0.0.1:${String(server.port)}`,
    credentials.createInsecure(),
  );
  clients.push(client);
  return client;
}

function push(
  client: IngestServiceClient,
  req: Partial<PushRequest>,
): Promise<PushResponse> {
  return new Promise((resolve, reject) => {
    client.push(PushRequest.fromPartial(req), (err, res) => {
      if (err) {
        reject(err);
      } else {
        resolve(res);
      }
    });
  });
}

function healthOf(name: string): Promise<string> {
  const Health = makeGenericClientConstructor(healthService, 'Health');
  const client = new Health(
    `127.0.0.1:${String(server?.port)}`,
    credentials.createInsecure(),
  );
  clients.push(client);
  return new Promise((resolve, reject) => {
    (
      client as unknown as {
        check(
          req: object,
          cb: (err: ServiceError | null, res: { status: string }) => void,
        ): void;
      }
    ).check({ service: name }, (err, res) => {
      if (err) {
        reject(err);
      } else {
        resolve(res.status);
      }
    });
  });
}

describe('startGrpcServer', () => {
  it('serves a unary call and reports health for the server and each service', async () => {
    const client = await start();
    expect((await push(client, { body: Buffer.from('{}') })).batchId).toBe(
      'b1',
    );
    expect(await healthOf('')).toBe('SERVING');
    expect(await healthOf('kubeguard.v1.IngestService')).toBe('SERVING');
  });

  it('maps errors to statuses with the field named, hiding internals', async () => {
    const client = await start();
    await expect(push(client, {})).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'body: must not be empty',
    });
    await expect(
      push(client, { cluster: 'down', body: Buffer.from('x') }),
    ).rejects.toMatchObject({
      code: status.UNAVAILABLE,
      details: 'the bus is not connected',
    });
    await expect(
      push(client, { cluster: 'bug', body: Buffer.from('x') }),
    ).rejects.toMatchObject({
      code: status.INTERNAL,
      details: 'internal error',
    });
  });
});
