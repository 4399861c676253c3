import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { RawSource } from '@kubeguard/contracts';
import {
  freePort,
  makeTestPki,
  type NatsServerHandle,
  REPO_ROOT,
  send,
  type ServiceProcess,
  startNatsServer,
  startService,
  type TestPki,
  waitFor,
} from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditIdsOf, readRawBatches } from './support/raw-stream.js';

const TOKEN = 'main-test-token-0123456789';

let nats: NatsServerHandle;
let pki: TestPki;
let dir: string;
let collector: ServiceProcess | undefined;
let ports: number[];

beforeAll(async () => {
  pki = makeTestPki([]);
  nats = await startNatsServer();
  dir = mkdtempSync(join(tmpdir(), 'kubeguard-main-'));
  ports = await Promise.all([freePort(), freePort(), freePort()]);
}, 60_000);
afterAll(async () => {
  await collector?.stop();
  await nats.stop();
  pki.remove();
  rmSync(dir, { recursive: true, force: true });
});

const event = (auditID: string): string =>
  JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID });

describe('the collector process', () => {
  it('refuses to start on a non-loopback address without TLS and credentials, naming the variables', async () => {
    const { code, stderr } = await new Promise<{
      code: number | null;
      stderr: string;
    }>(resolve => {
      const child = execFile(
        process.execPath,
        [
          '--conditions=@kubeguard/source',
          '--import',
          'tsx',
          'apps/collector/src/main.ts',
        ],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, NATS_URL: nats.url, LISTEN_HOST: '0.0.0.0' },
          timeout: 30_000,
        },
        (_err, _stdout, err) => resolve({ code: child.exitCode, stderr: err }),
      );
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^collector: cannot start: invalid configuration:\n {2}WEBHOOK_TLS_CERT_FILE: .*\n {2}WEBHOOK_TOKENS: /,
    );
  });

  it('serves the webhook over HTTPS with a token and tails a log file, per its environment', async () => {
    const log = join(dir, 'audit.log');
    writeFileSync(log, `${event('file-1')}\n`);
    collector = await startService({
      app: 'collector',
      env: {
        NATS_URL: nats.url,
        LOG_LEVEL: 'warn',
        HTTP_PORT: String(ports[0]),
        WEBHOOK_PORT: String(ports[1]),
        GRPC_PORT: String(ports[2]),
        CLUSTER_NAME: 'main-default',
        WEBHOOK_TLS_CERT_FILE: pki.serverCertFile,
        WEBHOOK_TLS_KEY_FILE: pki.serverKeyFile,
        WEBHOOK_TOKENS: `${TOKEN}=main-cluster`,
        FILE_PATHS: log,
        FILE_POLL_MS: '50',
      },
    });
    const url = `https://127.0.0.1:${String(ports[1])}/audit`;
    const ok = await send(url, {
      ca: pki.ca,
      headers: { authorization: `Bearer ${TOKEN}` },
      body: event('hook-1'),
    });
    expect(ok.status).toBe(200);
    const refused = await send(url, { ca: pki.ca, body: event('hook-2') });
    expect(refused.status).toBe(401);

    appendFileSync(log, `${event('file-2')}\n`);
    const batches = await waitFor(
      async () => {
        const all = await readRawBatches(nats.url);
        const ids = all.flatMap(auditIdsOf);
        return ['hook-1', 'file-1', 'file-2'].every(id => ids.includes(id))
          ? all
          : undefined;
      },
      { timeoutMs: 15_000, what: 'the webhook and file events on AUDIT_RAW' },
    );
    const hook = batches.find(b => auditIdsOf(b).includes('hook-1'));
    expect(hook?.cluster).toBe('main-cluster');
    const files = batches.filter(b => b.source === RawSource.FILE);
    expect(
      files.every(b => b.origin === log && b.cluster === 'main-default'),
    ).toBe(true);
    expect(batches.flatMap(auditIdsOf)).not.toContain('hook-2');

    const metrics = await (
      await fetch(`http://127.0.0.1:${String(ports[0])}/metrics`)
    ).text();
    expect(metrics).toMatch(
      /kubeguard_collector_webhook_requests_total\{result="unauthenticated"\} 1/,
    );
    expect(metrics).toMatch(
      /kubeguard_collector_file_lines_total\{result="stored"\} 2/,
    );
  });
});
