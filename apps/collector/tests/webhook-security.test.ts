import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { connectBus, type Bus } from '@kubeguard/bus';
import { RawSource } from '@kubeguard/contracts';
import { silentLogger } from '@kubeguard/log';
import { createMetrics } from '@kubeguard/metrics';
import {
  makeTestPki,
  type NatsServerHandle,
  send,
  type SendOptions,
  startNatsServer,
  type TestPki,
} from '@kubeguard/testing';
import { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config.js';
import { createRawStore } from '../src/raw-store.js';
import { loadWebhookSecurity } from '../src/webhook-auth.js';
import {
  startWebhookServer,
  type WebhookServer,
} from '../src/webhook-server.js';
import { auditIdsOf, readRawBatches } from './support/raw-stream.js';

const TOKEN_A = 'token-for-cluster-a-0123456789';
const TOKEN_B = 'token-for-cluster-b-9876543210';
const LIMIT = 64 * 1024;

let nats: NatsServerHandle;
let bus: Bus;
let pki: TestPki;
let server: WebhookServer;
let mapped: WebhookServer;
let requests: Counter<'result'>;

beforeAll(async () => {
  pki = makeTestPki(['prod-east', 'not a cluster!', 'edge-1']);
  nats = await startNatsServer();
  bus = await connectBus({
    url: nats.url,
    service: 'collector',
    log: silentLogger(),
    streams: ['AUDIT_RAW'],
  });
  const metrics = createMetrics('collector_sec_test');
  requests = new Counter({
    name: 'webhook_requests_total',
    help: 'x',
    labelNames: ['result'],
    registers: [metrics.registry],
  });
  const tokensFile = join(pki.dir, 'tokens.csv');
  writeFileSync(tokensFile, `# token,cluster\n${TOKEN_B},cluster-b\n`);
  const store = createRawStore(bus, 'fallback');

  // The configuration as an operator would write it, through the same loaders as main.ts.
  const config = loadConfig({
    LISTEN_HOST: '127.0.0.1',
    CLUSTER_NAME: 'fallback',
    MAX_BATCH_BYTES: String(LIMIT),
    WEBHOOK_TLS_CERT_FILE: pki.serverCertFile,
    WEBHOOK_TLS_KEY_FILE: pki.serverKeyFile,
    WEBHOOK_CLIENT_CA_FILE: pki.caFile,
    WEBHOOK_TOKENS: `${TOKEN_A}=cluster-a`,
    WEBHOOK_TOKENS_FILE: tokensFile,
  });
  const security = loadWebhookSecurity(config);
  expect(security.auth.allowUnauthenticated).toBe(false);
  server = await startWebhookServer({
    host: '127.0.0.1',
    port: 0,
    maxBatchBytes: config.MAX_BATCH_BYTES,
    auth: security.auth,
    ...(security.tls === undefined ? {} : { tls: security.tls }),
    store,
    log: silentLogger(),
    requests,
  });

  const mappedSecurity = loadWebhookSecurity(
    loadConfig({
      WEBHOOK_TLS_CERT_FILE: pki.serverCertFile,
      WEBHOOK_TLS_KEY_FILE: pki.serverKeyFile,
      WEBHOOK_CLIENT_CA_FILE: pki.caFile,
      WEBHOOK_CLIENT_CLUSTERS: 'not a cluster!=mapped-cluster',
    }),
  );
  mapped = await startWebhookServer({
    host: '127.0.0.1',
    port: 0,
    maxBatchBytes: LIMIT,
    auth: mappedSecurity.auth,
    ...(mappedSecurity.tls === undefined ? {} : { tls: mappedSecurity.tls }),
    store,
    log: silentLogger(),
    requests: new Counter({
      name: 'mapped_requests_total',
      help: 'x',
      labelNames: ['result'],
      registers: [],
    }),
  });
});
afterAll(async () => {
  await server.close();
  await mapped.close();
  await bus.close();
  await nats.stop();
  pki.remove();
});

const eventList = (...ids: string[]): string =>
  JSON.stringify({
    kind: 'EventList',
    apiVersion: 'audit.k8s.io/v1',
    items: ids.map(auditID => ({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      auditID,
      stage: 'ResponseComplete',
      verb: 'get',
    })),
  });

const post = (
  body: string | Buffer,
  options: SendOptions = {},
  target: WebhookServer = server,
) =>
  send(`https://localhost:${String(target.port)}/`, {
    ca: pki.ca,
    body,
    ...options,
  });

const bearer = (token: string): Record<string, string> => ({
  'content-type': 'application/json',
  authorization: `Bearer ${token}`,
});

const count = async (result: string): Promise<number> =>
  (await requests.get()).values.find(v => v.labels.result === result)?.value ??
  0;

/** The stored batch holding `auditId`. */
async function storedWith(auditId: string) {
  const batches = await readRawBatches(nats.url);
  const found = batches.filter(b => auditIdsOf(b).includes(auditId));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('webhook over HTTPS with credentials', () => {
  it('serves HTTPS', () => {
    expect(server.scheme).toBe('https');
  });

  it('stores a batch sent with a bearer token under the token’s cluster', async () => {
    const res = await post(eventList('tok-a-1', 'tok-a-2'), {
      headers: bearer(TOKEN_A),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ events: 2, duplicate: false });
    const batch = await storedWith('tok-a-1');
    expect(batch?.cluster).toBe('cluster-a');
    expect(batch?.source).toBe(RawSource.WEBHOOK);

    const fromFile = await post(eventList('tok-b-1'), {
      headers: bearer(TOKEN_B),
    });
    expect(fromFile.status).toBe(200);
    expect((await storedWith('tok-b-1'))?.cluster).toBe('cluster-b');
  });

  it('stores a batch sent with a client certificate under the certificate’s CN', async () => {
    const res = await post(eventList('cert-1'), pki.clients['prod-east']);
    expect(res.status).toBe(200);
    expect((await storedWith('cert-1'))?.cluster).toBe('prod-east');
  });

  it('maps a client certificate CN through WEBHOOK_CLIENT_CLUSTERS and refuses CNs not listed', async () => {
    const ok = await post(
      eventList('mapped-1'),
      pki.clients['not a cluster!'],
      mapped,
    );
    expect(ok.status).toBe(200);
    expect((await storedWith('mapped-1'))?.cluster).toBe('mapped-cluster');

    const unlisted = await post(
      eventList('mapped-2'),
      pki.clients['edge-1'],
      mapped,
    );
    expect(unlisted.status).toBe(401);
    expect(unlisted.body).toEqual({
      error:
        "client certificate CN 'edge-1' is not listed in WEBHOOK_CLIENT_CLUSTERS",
    });
  });

  it('refuses a CN that is not a cluster name when there is no mapping', async () => {
    const res = await post(eventList('bad-cn'), pki.clients['not a cluster!']);
    expect(res.status).toBe(401);
    expect((res.body as { error: string }).error).toMatch(
      /^client certificate CN 'not a cluster!' is not a cluster name/,
    );
  });

  it('answers 401 with the reason without credentials, with a wrong token, or with an untrusted certificate', async () => {
    const before = await count('unauthenticated');
    const none = await post(eventList('none-1'));
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="kubeguard"');
    expect(none.body).toEqual({
      error:
        'authentication required: send a bearer token or a client certificate',
    });
    expect(await count('unauthenticated')).toBe(before + 1);

    const wrong = await post(eventList('wrong-1'), {
      headers: bearer('not-the-right-token-at-all'),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'bearer token not recognised' });

    const basic = await post(eventList('basic-1'), {
      headers: {
        'content-type': 'application/json',
        authorization: 'Basic dXNlcjpwYXNz',
      },
    });
    expect(basic.status).toBe(401);

    const rogue = await post(eventList('rogue-1'), pki.rogue);
    expect(rogue.status).toBe(401);
    expect((rogue.body as { error: string }).error).toMatch(
      /^client certificate not trusted: /,
    );
    expect(await count('bad_credentials')).toBeGreaterThanOrEqual(3);

    const ids = (await readRawBatches(nats.url)).flatMap(auditIdsOf);
    for (const id of ['none-1', 'wrong-1', 'basic-1', 'rogue-1']) {
      expect(ids).not.toContain(id);
    }
  });

  it('stores a gzip body decompressed', async () => {
    const plain = eventList('gz-1', 'gz-2', 'gz-3');
    const res = await post(gzipSync(plain), {
      headers: { ...bearer(TOKEN_A), 'content-encoding': 'gzip' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ events: 3 });
    const batch = await storedWith('gz-1');
    expect(batch?.body.toString('utf8')).toBe(plain);
    expect(batch?.cluster).toBe('cluster-a');
  });

  it('answers 413 when the decompressed body exceeds MAX_BATCH_BYTES (a zip bomb)', async () => {
    const items = Array.from({ length: 4000 }, (_, i) => ({
      auditID: `bomb-${String(i)}`,
      padding: 'x'.repeat(100),
    }));
    const bomb = gzipSync(JSON.stringify({ kind: 'EventList', items }));
    expect(bomb.length).toBeLessThan(LIMIT);
    const before = await count('too_large');
    const res = await post(bomb, {
      headers: { ...bearer(TOKEN_A), 'content-encoding': 'gzip' },
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      error: `decompressed body exceeds MAX_BATCH_BYTES (${String(LIMIT)} bytes)`,
    });
    expect(await count('too_large')).toBe(before + 1);
  });

  it('answers 413 when the body as sent exceeds MAX_BATCH_BYTES', async () => {
    const res = await post('x'.repeat(LIMIT + 1), {
      headers: bearer(TOKEN_A),
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      error: `body exceeds MAX_BATCH_BYTES (${String(LIMIT)} bytes)`,
    });
  });

  it('answers 400 for a body that is not gzip though it says so, and 415 for other encodings', async () => {
    const bad = await post('not gzip', {
      headers: { ...bearer(TOKEN_A), 'content-encoding': 'gzip' },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(
      /^body is not valid gzip: /,
    );

    const br = await post('{}', {
      headers: { ...bearer(TOKEN_A), 'content-encoding': 'br' },
    });
    expect(br.status).toBe(415);
    expect(br.body).toEqual({
      error: "content-encoding must be gzip or identity, got 'br'",
    });
    expect(await count('bad_encoding')).toBe(1);
  });

  it('answers 400 with the reason for a body that is not an Event or EventList', async () => {
    const res = await post('{"kind":"Pod"}', { headers: bearer(TOKEN_A) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: "kind must be 'EventList' or 'Event', got 'Pod'",
    });
  });
});
