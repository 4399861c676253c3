import { AlertStatus, Severity } from '@kubeguard/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { sampleAlert, sampleNotification } from './support/fixtures.js';
import {
  jsonBody,
  startHttpReceiver,
  type HttpReceiver,
} from './support/http-receiver.js';
import { buildSink, NOW, sendError } from './support/sinks.js';

let receiver: HttpReceiver;

beforeAll(async () => {
  receiver = await startHttpReceiver({ status: 200, body: '' });
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.replies.length = 0;
});

const alertmanager = (extra: Record<string, unknown> = {}) =>
  buildSink({
    id: 'am',
    kind: 'alertmanager',
    url: `${receiver.url}/`,
    ...extra,
  });

const labels = {
  alertname: 'K8S_ExecInKubeSystemPod',
  severity: 'high',
  cluster: 'prod-east',
  namespace: 'kube-system',
  rule_id: 'pod-exec-kube-system',
  alert_id: 'alt-7f3a',
  fingerprint: 'fp-91c2',
  source: 'kubeguard',
};

const annotations = {
  summary: 'Exec into kube-system/etcd-0 by alice@example.com',
  description: 'A person ran a command inside a kube-system pod.',
  actor: 'alice@example.com 203.0.113.7 10.0.0.4',
  target: 'create pods/exec kube-system/etcd-0',
  mitre: 'TA0002,T1609',
  remediation:
    'Check why the person needed a shell in a system pod.\nRemove pods/exec from their roles if not needed.',
};

describe('alertmanager sink', () => {
  it('POSTs /api/v2/alerts with labels, annotations and startsAt for an open alert', async () => {
    await alertmanager({
      labels: { team: 'secops', severity: 'overridden' },
    }).send([sampleNotification('created')]);
    const request = receiver.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/api/v2/alerts');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(jsonBody(request)).toEqual([
      {
        labels: { team: 'secops', ...labels },
        annotations,
        startsAt: '2025-03-01T10:00:00.000Z',
      },
    ]);
  });

  it('sets endsAt when the change resolves the alert, with the same labels', async () => {
    const resolvedAt = new Date('2025-03-01T11:30:00.000Z');
    await alertmanager().send([
      sampleNotification('created'),
      sampleNotification(
        'resolved',
        sampleAlert({ status: AlertStatus.RESOLVED, updatedAt: resolvedAt }),
      ),
    ]);
    const [open, resolved] = jsonBody(receiver.requests[0]) as Record<
      string,
      unknown
    >[];
    expect(resolved).toEqual({
      labels,
      annotations,
      startsAt: '2025-03-01T10:00:00.000Z',
      endsAt: '2025-03-01T11:30:00.000Z',
    });
    expect(resolved?.['labels']).toEqual(open?.['labels']);
    expect(open).not.toHaveProperty('endsAt');
  });

  it('closes a dismissed alert too, never before it started', async () => {
    await alertmanager().send([
      sampleNotification(
        'updated',
        sampleAlert({
          status: AlertStatus.DISMISSED,
          updatedAt: new Date('2025-03-01T09:00:00.000Z'),
        }),
      ),
    ]);
    const [alert] = jsonBody(receiver.requests[0]) as Record<string, unknown>[];
    expect(alert?.['endsAt']).toBe('2025-03-01T10:00:00.000Z');
  });

  it('gives open alerts an expiry when expireAfterMs is set', async () => {
    await alertmanager({ expireAfterMs: 3_600_000 }).send([
      sampleNotification('created'),
    ]);
    const [alert] = jsonBody(receiver.requests[0]) as Record<string, unknown>[];
    expect(alert?.['endsAt']).toBe(new Date(NOW + 3_600_000).toISOString());
  });

  it('leaves out empty labels and falls back to the rule id as alertname', async () => {
    await alertmanager().send([
      sampleNotification(
        'created',
        sampleAlert({
          alertType: '',
          cluster: '',
          fingerprint: '',
          severity: Severity.CRITICAL,
          target: undefined,
        }),
      ),
    ]);
    const [alert] = jsonBody(receiver.requests[0]) as Record<string, unknown>[];
    expect(alert?.['labels']).toEqual({
      alertname: 'pod-exec-kube-system',
      severity: 'critical',
      rule_id: 'pod-exec-kube-system',
      alert_id: 'alt-7f3a',
      source: 'kubeguard',
    });
  });

  it('sends a bearer token', async () => {
    await alertmanager({ bearerToken: 'am-token' }).send([
      sampleNotification(),
    ]);
    expect(receiver.requests[0]?.headers['authorization']).toBe(
      'Bearer am-token',
    );
  });

  it('classifies a refused batch', async () => {
    receiver.replies.push({
      status: 400,
      body: '"start time must be before end time"',
    });
    const error = await sendError(alertmanager().send([sampleNotification()]));
    expect(error.retryable).toBe(false);
    expect(error.body).toBe('"start time must be before end time"');
  });
});
