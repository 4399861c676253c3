import {
  credentials,
  makeGenericClientConstructor,
  status,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { InvalidArgumentError } from '@kubeguard/errors';
import { silentLogger } from '@kubeguard/log';
import { afterEach, describe, expect, it } from 'vitest';

import {
  serverStreaming,
  startGrpcServer,
  type GrpcServer,
} from '../src/index.js';

const log = silentLogger();
let server: GrpcServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

// A server-streaming method with JSON messages, so no proto is needed.
const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8')),
};
const definition = {
  count: {
    path: '/test.Counter/Count',
    requestStream: false,
    responseStream: true,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
} as unknown as ServiceDefinition;

interface CountRequest {
  upTo: number;
}

async function count(request: CountRequest): Promise<{
  values: unknown[];
  code: number;
  details: string;
}> {
  server = await startGrpcServer({
    port: 0,
    log,
    services: [
      [
        definition,
        {
          count: serverStreaming<CountRequest, { n: number }>(
            log,
            async (req, call) => {
              for (let n = 1; n <= Math.min(req.upTo, 2); n += 1) {
                call.write({ n });
              }
              if (req.upTo > 2) {
                throw new InvalidArgumentError('up_to', 'at most 2');
              }
            },
          ),
        },
      ],
    ],
  });
  const Client = makeGenericClientConstructor(definition, 'Counter');
  const client = new Client(
    `127.0.0.1:${String(server.port)}`,
    credentials.createInsecure(),
  ) as unknown as {
    count(req: CountRequest): NodeJS.EventEmitter;
    close(): void;
  };
  const values: unknown[] = [];
  const call = client.count(request);
  return new Promise(resolve => {
    call.on('data', (value: unknown) => values.push(value));
    call.on('error', (err: ServiceError) => {
      client.close();
      resolve({ values, code: err.code, details: err.details });
    });
    call.on('status', (s: { code: status; details: string }) => {
      if (s.code === status.OK) {
        client.close();
        resolve({ values, code: s.code, details: s.details });
      }
    });
  });
}

describe('serverStreaming', () => {
  it('ends the stream with OK when the function returns', async () => {
    expect(await count({ upTo: 2 })).toEqual({
      values: [{ n: 1 }, { n: 2 }],
      code: status.OK,
      details: 'OK',
    });
  });

  it('ends the stream with the mapped status when the function throws', async () => {
    expect(await count({ upTo: 3 })).toEqual({
      values: [{ n: 1 }, { n: 2 }],
      code: status.INVALID_ARGUMENT,
      details: 'up_to: at most 2',
    });
  });
});
