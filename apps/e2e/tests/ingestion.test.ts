import {
  appendFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { credentials } from '@grpc/grpc-js';
import {
  AuditEventBatch,
  IngestServiceClient,
  PushRequest,
  Streams,
  type AuditEvent,
} from '@kubeguard/contracts';
import {
  freePort,
  makeTestPki,
  readStream,
  send,
  startNatsServer,
  startService,
  waitFor,
  type NatsServerHandle,
  type ServiceProcess,
  type TestPki,
} from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOKEN = 'e2e-token-0123456789abcdef';
let nats: NatsServerHandle;
let pki: TestPki;
let dir: string;
let log: string;
let ports: number[];
let collector: ServiceProcess;
let normalizer: ServiceProcess;

/** A minimal audit event; `secret` makes it a Secret create with a value to redact. */
function event(auditId: string, secret = false): Record<string, unknown> {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: secret ? 'RequestResponse' : 'Metadata',
    auditID: auditId,
    stage: 'ResponseComplete',
    verb: secret ? 'create' : 'get',
    requestURI: secret
      ? '/api/v1/namespaces/app/secrets'
      : '/api/v1/namespaces/app/pods/web',
    user: { username: 'alice', groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.1'],
    objectRef: secret
      ? { resource: 'secrets', namespace: 'app', name: 'db' }
      : { resource: 'pods', namespace: 'app', name: 'web' },
    responseStatus: { code: secret ? 201 : 200 },
    ...(secret
      ? {
          requestObject: {
            kind: 'Secret',
            data: { password: 'c3VwZXJzZWNyZXQ=' },
          },
        }
      : {}),
    annotations: { 'authorization.k8s.io/decision': 'allow' },
  };
}
const eventList = (ids: string[], secretIds: string[] = []): string =>
  JSON.stringify({
    kind: 'EventList',
    apiVersion: 'audit.k8s.io/v1',
    items: ids.map(id => event(id, secretIds.includes(id))),
  });
const lines = (ids: string[]): string =>
  ids.map(id => `${JSON.stringify(event(id))}\n`).join('');

function startCollector(): Promise<ServiceProcess> {
  return startService({
    app: 'collector',
    env: {
      NATS_URL: nats.url,
      LOG_LEVEL: 'warn',
      HTTP_PORT: String(ports[0]),
      WEBHOOK_PORT: String(ports[1]),
      GRPC_PORT: String(ports[2]),
      CLUSTER_NAME: 'file-cluster',
      WEBHOOK_TLS_CERT_FILE: pki.serverCertFile,
      WEBHOOK_TLS_KEY_FILE: pki.serverKeyFile,
      WEBHOOK_CLIENT_CA_FILE: pki.caFile,
      WEBHOOK_TOKENS: `${TOKEN}=token-cluster`,
      FILE_PATHS: log,
      FILE_POLL_MS: '50',
    },
  });
}

/** Every normalized event published so far. */
async function normalizedEvents(): Promise<AuditEvent[]> {
  const batches = await readStream(nats.url, Streams.AUDIT_EVENTS.name, data =>
    AuditEventBatch.decode(data),
  );
  return batches.flatMap(b => b.events);
}

beforeAll(async () => {
  nats = await startNatsServer();
  pki = makeTestPki(['edge-cluster']);
  dir = mkdtempSync(join(tmpdir(), 'kubeguard-e2e-'));
  log = join(dir, 'audit.log');
  writeFileSync(log, '');
  ports = await Promise.all(Array.from({ length: 4 }, () => freePort()));
  [collector, normalizer] = await Promise.all([
    startCollector(),
    startService({
      app: 'normalizer',
      env: {
        NATS_URL: nats.url,
        LOG_LEVEL: 'warn',
        HTTP_PORT: String(ports[3]),
      },
    }),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([collector.stop(), normalizer.stop()]);
  await nats.stop();
  pki.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('ingestion from every source', () => {
  it('normalizes every event exactly once, redacted, with the cluster of its credential or source', async () => {
    const webhook = `https://127.0.0.1:${String(ports[1])}/`;
    const expected = new Map<string, string>();
    const expect200 = async (
      reply: Promise<{ status: number; body: unknown }>,
    ): Promise<void> => {
      const { status, body } = await reply;
      expect(status, JSON.stringify(body)).toBe(200);
    };

    // HTTPS with a bearer token, one event a Secret create
    await expect200(
      send(webhook, {
        ca: pki.ca,
        headers: { authorization: `Bearer ${TOKEN}` },
        body: eventList(['t1', 't2', 't3'], ['t2']),
      }),
    );
    ['t1', 't2', 't3'].forEach(id => expected.set(id, 'token-cluster'));

    // HTTPS with a client certificate: the cluster is its CN
    const client = pki.clients['edge-cluster'];
    if (!client) {
      throw new Error('the test PKI has no edge-cluster client');
    }
    await expect200(
      send(webhook, {
        ca: pki.ca,
        cert: client.cert,
        key: client.key,
        body: eventList(['c1', 'c2']),
      }),
    );
    ['c1', 'c2'].forEach(id => expected.set(id, 'edge-cluster'));

    // A batch far over NATS's 1 MiB message limit, sent twice as an API server retry would
    const big = Array.from({ length: 4000 }, (_, i) => `big-${String(i)}`);
    const bigBody = eventList(big);
    expect(bigBody.length).toBeGreaterThan(1024 * 1024);
    await expect200(
      send(webhook, {
        ca: pki.ca,
        headers: { authorization: `Bearer ${TOKEN}` },
        body: bigBody,
      }),
    );
    await expect200(
      send(webhook, {
        ca: pki.ca,
        headers: { authorization: `Bearer ${TOKEN}` },
        body: bigBody,
      }),
    );
    big.forEach(id => expected.set(id, 'token-cluster'));

    // a tailed file across a rename rotation and a collector restart
    appendFileSync(log, lines(['f1', 'f2', 'f3']));
    await waitFor(
      async () =>
        (await normalizedEvents()).some(e => e.auditId === 'f3')
          ? true
          : undefined,
      {
        timeoutMs: 15_000,
        what: 'f3 from the tailed file',
      },
    );
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(['f4', 'f5']));
    await waitFor(
      async () =>
        (await normalizedEvents()).some(e => e.auditId === 'f5')
          ? true
          : undefined,
      {
        timeoutMs: 15_000,
        what: 'f5 after the rotation',
      },
    );
    expect(await collector.stop()).toBe('code 0');
    appendFileSync(log, lines(['f6']));
    collector = await startCollector();
    ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'].forEach(id =>
      expected.set(id, 'file-cluster'),
    );

    // gRPC IngestService.Push
    const ingest = new IngestServiceClient(
      `127.0.0.1:${String(ports[2])}`,
      credentials.createInsecure(),
    );
    await new Promise<void>((resolve, reject) => {
      ingest.push(
        PushRequest.fromPartial({
          cluster: 'grpc-cluster',
          body: Buffer.from(lines(['g1', 'g2'])),
        }),
        err => (err ? reject(err) : resolve()),
      );
    });
    ingest.close();
    ['g1', 'g2'].forEach(id => expected.set(id, 'grpc-cluster'));

    const events = await waitFor(
      async () => {
        const all = await normalizedEvents();
        const ids = new Set(all.map(e => e.auditId));
        return [...expected.keys()].every(id => ids.has(id)) ? all : undefined;
      },
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'every event on AUDIT_EVENTS',
      },
    );
    const counts = new Map<string, number>();
    for (const e of events) {
      counts.set(e.auditId, (counts.get(e.auditId) ?? 0) + 1);
      expect(e.cluster, e.auditId).toBe(expected.get(e.auditId));
    }
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(counts.size).toBe(expected.size);

    const secret = events.find(e => e.auditId === 't2');
    expect(secret?.redacted).toBe(true);
    expect(secret?.requestObjectJson.toString()).toContain(
      '"password":"[redacted]"',
    );
    expect(
      Buffer.concat(events.map(e => e.requestObjectJson)).toString(),
    ).not.toContain('c3VwZXJzZWNyZXQ=');
  });
});
