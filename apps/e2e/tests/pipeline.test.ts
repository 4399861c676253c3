import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import {
  AlertStatus,
  ListAlertsRequest,
  Outcome,
  Severity,
  type ListAlertsResponse,
} from '@kubeguard/contracts';
import { REPO_ROOT, waitFor } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSystem, type RunningSystem } from './support/system.js';

const ANONYMOUS_AUDIT_ID = '6f1c5f8e-2f4b-4bb0-9f57-0a3f1f2b7d01';
const fixture = (name: string): string =>
  readFileSync(`${REPO_ROOT}/fixtures/k8s-audit/${name}`, 'utf8');

let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({ cluster: 'e2e', database: 'e2e' });
}, 180_000);

afterAll(async () => {
  await system.stop();
});

function listAlerts(
  request: Partial<ListAlertsRequest> = {},
): Promise<ListAlertsResponse> {
  return new Promise((resolve, reject) => {
    system.alerts.listAlerts(
      ListAlertsRequest.fromPartial(request),
      (err, res) => {
        if (err) {
          reject(err);
        } else {
          resolve(res);
        }
      },
    );
  });
}

async function post(
  body: string,
  contentType = 'application/json',
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${system.webhookUrl}audit`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: res.status, body: await res.json() };
}

/** Waits until an alert for `auditId` is listed, proving everything posted before it went through. */
async function waitForAlertOf(auditId: string): Promise<void> {
  await waitFor(
    async () => {
      const page = await listAlerts({ pageSize: 1000 });
      return page.alerts.some(a => a.evidence?.auditIds.includes(auditId))
        ? true
        : undefined;
    },
    { timeoutMs: 20_000, what: `an alert for ${auditId}` },
  );
}

describe('the pipeline, end to end', () => {
  it('turns the anonymous event of a webhook batch into exactly one alert', async () => {
    const response = await post(
      fixture('eventlist-anonymous-and-ordinary.json'),
    );
    expect(response).toMatchObject({
      status: 200,
      body: { events: 2, duplicate: false },
    });

    await waitForAlertOf(ANONYMOUS_AUDIT_ID);
    const page = await listAlerts();
    expect(page.alerts).toHaveLength(1);
    expect(page.alerts[0]).toMatchObject({
      ruleId: 'anonymous-request-allowed',
      alertType: 'K8S_AnonymousRequestAllowed',
      severity: Severity.MEDIUM,
      status: AlertStatus.NEW,
      outcome: Outcome.ALLOWED,
      cluster: 'e2e',
      actor: { username: 'system:anonymous', sourceIps: ['203.0.113.45'] },
      target: { verb: 'list', resource: 'secrets', namespace: 'default' },
      evidence: { auditIds: [ANONYMOUS_AUDIT_ID], count: 1 },
    });
  });

  it('does not create a second alert when the same events arrive again', async () => {
    const again = await post(fixture('eventlist-anonymous-and-ordinary.json'));
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    // The same events in a different batch get past the raw stream's de-duplication.
    const list = JSON.parse(
      fixture('eventlist-anonymous-and-ordinary.json'),
    ) as { items: unknown[] };
    list.items.reverse();
    expect((await post(JSON.stringify(list))).status).toBe(200);

    // A later anonymous event: once its alert exists, the repeats were processed too.
    const marker = JSON.parse(fixture('anonymous-list-secrets.json')) as Record<
      string,
      unknown
    >;
    marker['auditID'] = 'e2e-marker';
    // Another namespace: a separate incident, so it gets an alert of its own.
    marker['objectRef'] = { resource: 'secrets', namespace: 'e2e-marker' };
    expect((await post(JSON.stringify(marker))).status).toBe(200);
    await waitForAlertOf('e2e-marker');

    const page = await listAlerts();
    expect(
      page.alerts.filter(a =>
        a.evidence?.auditIds.includes(ANONYMOUS_AUDIT_ID),
      ),
    ).toHaveLength(1);
    expect(page.alerts).toHaveLength(2);
  });

  it("lets a person work the alert with the README's client, npm run alerts", async () => {
    const alerts = (...args: string[]): string =>
      execFileSync(
        process.execPath,
        [
          '--conditions=@kubeguard/source',
          '--import',
          'tsx',
          'tools/scripts/alerts.ts',
          ...args,
          '--address',
          system.alertsAddress,
        ],
        { cwd: REPO_ROOT, encoding: 'utf8' },
      );
    const listed = alerts('list', '--json')
      .trim()
      .split('\n')
      .map(line => JSON.parse(line) as { alertId: string });
    const anonymous = (await listAlerts()).alerts.find(a =>
      a.evidence?.auditIds.includes(ANONYMOUS_AUDIT_ID),
    );
    expect(listed.map(a => a.alertId)).toContain(anonymous?.alertId);

    const updated = JSON.parse(
      alerts(
        'update',
        anonymous?.alertId ?? '',
        '--status',
        'in-progress',
        '--assignee',
        'alice',
        '--comment',
        'looking into it',
      ),
    ) as Record<string, unknown>;
    expect(updated).toMatchObject({
      status: 'ALERT_STATUS_IN_PROGRESS',
      assignee: 'alice',
      comments: [expect.objectContaining({ text: 'looking into it' })],
    });
  }, 60_000);

  it('refuses malformed or misshapen bodies with the reason', async () => {
    expect(await post('{"kind": "EventList", "items": [')).toMatchObject({
      status: 400,
      body: {
        error: expect.stringContaining('body is not valid JSON') as unknown,
      },
    });
    expect(await post('{"kind":"Pod","apiVersion":"v1"}')).toMatchObject({
      status: 400,
      body: {
        error: "apiVersion must be audit.k8s.io/v1 or v1beta1, got 'v1'",
      },
    });
    expect(await post('{}', 'text/plain')).toMatchObject({
      status: 415,
      body: {
        error: "content-type must be application/json, got 'text/plain'",
      },
    });
  });

  it('stops every service cleanly on SIGTERM', async () => {
    const exits = await Promise.all(
      system.services.map(async s => [s.app, await s.stop()] as const),
    );
    expect(Object.fromEntries(exits)).toEqual({
      collector: 'code 0',
      normalizer: 'code 0',
      detector: 'code 0',
      notifier: 'code 0',
    });
  });
});
