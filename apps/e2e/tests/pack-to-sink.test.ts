/**
 * The product as a user deploys it: every single-event rule of the built-in
 * pack, fed its own `fire` example through the audit webhook, raises an
 * alert of that rule, and each alert reaches a webhook sink once as a signed
 * OCSF Detection Finding. The four services run as processes against a real
 * nats-server and MongoDB-wire server; the receiver is a local HTTP server.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  ListAlertsRequest,
  type Alert,
  type ListAlertsResponse,
} from '@kubeguard/contracts';
import { partitionOf } from '@kubeguard/audit';
import {
  BUILTIN_PACK_DIR,
  EXAMPLE_DEFAULTS,
  loadPacks,
} from '@kubeguard/rules';
import { waitFor } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSystem, type RunningSystem } from './support/system.js';

const SECRET = 'e2e-webhook-secret-0123456789';
const SEQUENCE = 'binding-then-exec-and-secret-read';

/** One request the receiver got. */
interface Delivery {
  id: string;
  change: string;
  timestamp: string;
  signature: string;
  raw: string;
  body: Record<string, unknown>;
}

let system: RunningSystem;
let receiver: Server;
const deliveries: Delivery[] = [];

/** Starts the local receiver the webhook sink posts to. */
async function startReceiver(): Promise<string> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      deliveries.push({
        id: String(req.headers['x-kubeguard-notification-id']),
        change: String(req.headers['x-kubeguard-change']),
        timestamp: String(req.headers['x-kubeguard-timestamp']),
        signature: String(req.headers['x-kubeguard-signature']),
        raw,
        body: JSON.parse(raw) as Record<string, unknown>,
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>(resolve => receiver.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((receiver.address() as AddressInfo).port)}/hook`;
}

beforeAll(async () => {
  const hookUrl = await startReceiver();
  const sinksFile = join(
    mkdtempSync(join(tmpdir(), 'kubeguard-e2e-')),
    'sinks.yaml',
  );
  writeFileSync(
    sinksFile,
    `sinks:
  - id: soc
    kind: webhook
    url: ${hookUrl}
    encoding: ocsf
    secret: \${E2E_WEBHOOK_SECRET}
`,
  );
  system = await startSystem({
    cluster: 'prod-eu',
    database: 'pack',
    notifierEnv: {
      SINKS_FILE: sinksFile,
      E2E_WEBHOOK_SECRET: SECRET,
      DELIVERY_POLL_MS: '200',
    },
  });
}, 180_000);

afterAll(async () => {
  await system.stop();
  await new Promise(resolve => receiver.close(resolve));
});

function listAlerts(): Promise<Alert[]> {
  return new Promise((resolve, reject) => {
    system.alerts.listAlerts(
      ListAlertsRequest.fromPartial({ pageSize: 1000 }),
      (err, res: ListAlertsResponse) => {
        if (err) {
          reject(err);
        } else {
          resolve(res.alerts);
        }
      },
    );
  });
}

/**
 * The first `fire` example of every enabled single-event rule, as the API
 * server would log it (the examples' defaults filled in, a unique audit ID).
 */
function firingExamples(): {
  ruleId: string;
  event: Record<string, unknown>;
}[] {
  return loadPacks([BUILTIN_PACK_DIR]).rules.flatMap(rule => {
    const example = rule.doc.examples.fire[0];
    if (rule.doc.aggregate !== undefined || example?.event === undefined) {
      return [];
    }
    return [
      {
        ruleId: rule.doc.id,
        event: {
          ...EXAMPLE_DEFAULTS,
          ...example.event,
          auditID: `e2e-${rule.doc.id}`,
        },
      },
    ];
  });
}

/** Whether the signature header is the HMAC the sinks file documents. */
function signedWithSecret(delivery: Delivery): boolean {
  const expected = `sha256=${createHmac('sha256', SECRET)
    .update(`${delivery.timestamp}.${delivery.raw}`)
    .digest('hex')}`;
  return (
    expected.length === delivery.signature.length &&
    timingSafeEqual(Buffer.from(expected), Buffer.from(delivery.signature))
  );
}

describe('the built-in pack through the running system', () => {
  it('raises an alert of every single-event rule and delivers each once, signed, as OCSF', async () => {
    const examples = firingExamples();
    expect(examples.length).toBeGreaterThan(60);
    const response = await fetch(system.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'EventList',
        apiVersion: 'audit.k8s.io/v1',
        items: examples.map(e => e.event),
      }),
    });
    expect(response.status).toBe(200);

    const expected = new Set(examples.map(e => e.ruleId));
    const stored = await waitFor(
      async () => {
        const all = await listAlerts();
        const rules = new Set(all.map(a => a.ruleId));
        const missing = [...expected].filter(id => !rules.has(id));
        if (missing.length > 0) {
          // Reported if it times out.
          throw new Error(`no alert yet of ${missing.join(', ')}`);
        }
        return all;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 1000,
        what: 'an alert of every single-event rule',
      },
    );
    expect(stored.every(a => a.cluster === 'prod-eu')).toBe(true);

    // Repeats of one incident (five execs into the same pod) update its
    // alert: wait until every alert's latest count has been delivered.
    const findingOf = (d: Delivery): { uid: string; count: unknown } => ({
      uid: (d.body['finding_info'] as { uid: string }).uid,
      count: d.body['count'],
    });
    const settled = await waitFor(
      async () => {
        const all = await listAlerts();
        return all.every(alert =>
          deliveries.some(d => {
            const finding = findingOf(d);
            return (
              finding.uid === alert.alertId &&
              finding.count === alert.evidence?.count
            );
          }),
        )
          ? all
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'every alert delivered' },
    );

    const ids = deliveries.map(d => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(deliveries.filter(d => !signedWithSecret(d))).toEqual([]);
    for (const alert of settled) {
      const mine = deliveries.filter(d => findingOf(d).uid === alert.alertId);
      expect(mine.filter(d => d.change === 'created')).toHaveLength(1);
      expect(mine.filter(d => d.change !== 'updated')).toHaveLength(1);
      const latest = mine.find(
        d => findingOf(d).count === alert.evidence?.count,
      );
      expect(latest?.body).toMatchObject({
        class_uid: 2004,
        message: alert.title,
        finding_info: {
          analytic: { uid: alert.ruleId },
          types: [alert.alertType],
        },
      });
    }
  }, 240_000);

  it("joins a grant made by one identity with the grantee's own later events", async () => {
    // mallory binds a service account of shop, which then execs into a pod
    // and reads a Secret: the example of the sequence rule, as three batches,
    // with an account no other test uses.
    const rule = loadPacks([BUILTIN_PACK_DIR]).rules.find(
      r => r.doc.id === SEQUENCE,
    );
    const steps = (rule?.doc.examples.fire[0]?.events ?? []).map(
      (event, i) =>
        JSON.parse(
          JSON.stringify({
            ...EXAMPLE_DEFAULTS,
            ...event,
            auditID: `story-${String(i)}`,
          })
            .replaceAll('"name":"cart"', '"name":"story"')
            .replaceAll('shop:cart', 'shop:story'),
        ) as Record<string, unknown>,
    );
    expect(steps).toHaveLength(3);
    // The case that matters: the two identities live in different partitions.
    expect(partitionOf('prod-eu', 'mallory@example.com', 16)).not.toBe(
      partitionOf('prod-eu', 'system:serviceaccount:shop:story', 16),
    );
    for (const step of steps) {
      const response = await fetch(system.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(step),
      });
      expect(response.status).toBe(200);
    }
    const alert = await waitFor(
      async () => (await listAlerts()).find(a => a.ruleId === SEQUENCE),
      { timeoutMs: 30_000, intervalMs: 500, what: `an alert of ${SEQUENCE}` },
    );
    expect(alert).toMatchObject({
      alertType: 'K8S_GrantThenExecAndSecretRead',
      actor: { username: 'system:serviceaccount:shop:story' },
      evidence: { auditIds: ['story-0', 'story-1', 'story-2'] },
    });
  }, 60_000);
});
