import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  ServerCredentials,
  status,
  type Client,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  IngestServiceClient,
  IngestServiceService,
  PushRequest,
  PushResponse,
  type IngestServiceServer,
} from '@kubeguard/contracts';
import { silentLogger } from '@kubeguard/log';
import { makeTestPki, type TestPki } from '@kubeguard/testing';
import { service as healthService } from 'grpc-health-check';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  PRINCIPAL_METADATA_KEY,
  principalOf,
  startGrpcServer,
  unary,
  type GrpcServer,
  type GrpcServerOptions,
  type GrpcTlsOptions,
} from '../src/index.js';

const log = silentLogger();
let pki: TestPki;
let server: GrpcServer | undefined;
const clients: Client[] = [];

beforeAll(() => {
  pki = makeTestPki(['alerts-ui']);
});
afterAll(() => {
  pki.remove();
});
afterEach(async () => {
  clients.splice(0).forEach(c => c.close());
  await server?.close();
  server = undefined;
});

// Answers with the caller's name, so tests see what handlers see.
const whoAmI: IngestServiceServer = {
  push: unary(log, async (_req: PushRequest, call) =>
    PushResponse.create({ batchId: principalOf(call) }),
  ),
};

const TOKENS = {
  alice: 'alice-token-0123456789',
  'ci-bot': 'ci-bot-token-abcdefghij',
};

async function start(
  options: Partial<GrpcServerOptions> = {},
): Promise<number> {
  server = await startGrpcServer({
    port: 0,
    log,
    services: [[IngestServiceService, whoAmI]],
    ...options,
  });
  return server.port;
}

function tlsOptions(withClientCa = false): GrpcTlsOptions {
  return {
    cert: readFileSync(pki.serverCertFile),
    key: readFileSync(pki.serverKeyFile),
    ...(withClientCa ? { clientCa: pki.ca } : {}),
  };
}

// The certificate names 127.0.0.1 and localhost; asking for localhost keeps
// Node from warning about an IP address as TLS server name.
const channelOptions = { 'grpc.ssl_target_name_override': 'localhost' };

function client(port: number, creds: ChannelCredentials): IngestServiceClient {
  const c = new IngestServiceClient(
    `127.0.0.1:${String(port)}`,
    creds,
    channelOptions,
  );
  clients.push(c);
  return c;
}

function whoIs(
  c: IngestServiceClient,
  metadata: Record<string, string> = {},
): Promise<string> {
  const md = new Metadata();
  for (const [key, value] of Object.entries(metadata)) {
    md.set(key, value);
  }
  return new Promise((resolve, reject) => {
    c.push(
      PushRequest.create(),
      md,
      { deadline: Date.now() + 5000 },
      (err: ServiceError | null, res?: PushResponse) => {
        if (err) {
          reject(err);
        } else {
          resolve(res?.batchId ?? '');
        }
      },
    );
  });
}

function health(port: number, creds: ChannelCredentials): Promise<string> {
  const Health = makeGenericClientConstructor(healthService, 'Health');
  const c = new Health(`127.0.0.1:${String(port)}`, creds, channelOptions);
  clients.push(c);
  return new Promise((resolve, reject) => {
    (
      c as unknown as {
        check(
          req: object,
          cb: (err: ServiceError | null, res: { status: string }) => void,
        ): void;
      }
    ).check({ service: '' }, (err, res) => {
      if (err) {
        reject(err);
      } else {
        resolve(res.status);
      }
    });
  });
}

describe('bearer-token authentication', () => {
  it('names the caller by its token over TLS, and refuses the rest with the reason', async () => {
    const port = await start({ tls: tlsOptions(), auth: { tokens: TOKENS } });
    const c = client(port, credentials.createSsl(pki.ca));
    expect(await whoIs(c, { authorization: `Bearer ${TOKENS.alice}` })).toBe(
      'alice',
    );
    expect(
      await whoIs(c, { authorization: `bearer ${TOKENS['ci-bot']}` }),
    ).toBe('ci-bot');

    await expect(whoIs(c)).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: 'authentication required: send "authorization: Bearer <token>"',
    });
    await expect(
      whoIs(c, { authorization: 'Bearer not-a-configured-token' }),
    ).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: 'bearer token not recognised',
    });
    await expect(
      whoIs(c, { authorization: `Basic ${TOKENS.alice}` }),
    ).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: 'authorization metadata must be "Bearer <token>"',
    });
  });

  it('keeps health checks open', async () => {
    const port = await start({ tls: tlsOptions(), auth: { tokens: TOKENS } });
    expect(await health(port, credentials.createSsl(pki.ca))).toBe('SERVING');
  });

  it('ignores a principal a client claims for itself', async () => {
    const port = await start({ auth: { tokens: TOKENS } });
    const c = client(port, credentials.createInsecure());
    expect(
      await whoIs(c, {
        authorization: `Bearer ${TOKENS.alice}`,
        [PRINCIPAL_METADATA_KEY]: 'ci-bot',
      }),
    ).toBe('alice');
  });

  it("calls everyone 'anonymous' without auth, whatever they claim", async () => {
    const port = await start();
    const c = client(port, credentials.createInsecure());
    expect(await whoIs(c, { [PRINCIPAL_METADATA_KEY]: 'admin' })).toBe(
      'anonymous',
    );
  });
});

describe('TLS', () => {
  it('refuses a plaintext client', async () => {
    const port = await start({ tls: tlsOptions() });
    await expect(
      whoIs(client(port, credentials.createInsecure())),
    ).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });

  it('with a client CA, names the caller by its certificate CN and refuses other certificates', async () => {
    const port = await start({
      tls: tlsOptions(true),
      auth: { clientCertificates: true },
    });
    const ui = pki.clients['alerts-ui'];
    if (ui === undefined) {
      throw new Error('no client certificate');
    }
    expect(
      await whoIs(client(port, credentials.createSsl(pki.ca, ui.key, ui.cert))),
    ).toBe('alerts-ui');
    await expect(
      whoIs(client(port, credentials.createSsl(pki.ca))),
    ).rejects.toMatchObject({ code: status.UNAVAILABLE });
    await expect(
      whoIs(
        client(
          port,
          credentials.createSsl(pki.ca, pki.rogue.key, pki.rogue.cert),
        ),
      ),
    ).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });

  it('refuses tls together with raw credentials', async () => {
    await expect(
      start({
        tls: tlsOptions(),
        credentials: ServerCredentials.createInsecure(),
      }),
    ).rejects.toThrow(
      'startGrpcServer: give either tls or credentials, not both',
    );
  });
});
