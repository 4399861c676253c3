import { AlertStatus, Severity } from '@kubeguard/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { PAGERDUTY_EVENTS_URL } from '../../src/sinks/index.js';
import { sampleAlert, sampleNotification } from './support/fixtures.js';
import {
  jsonBody,
  startHttpReceiver,
  type HttpReceiver,
} from './support/http-receiver.js';
import { buildSink, configuredSink, sendError } from './support/sinks.js';

const ROUTING_KEY = 'R0UT1NGKEY0000000000000000000000';

let receiver: HttpReceiver;

beforeAll(async () => {
  receiver = await startHttpReceiver({
    status: 202,
    body: '{"status":"success","message":"Event processed","dedup_key":"alt-7f3a"}',
  });
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.replies.length = 0;
});

const pagerduty = () =>
  buildSink(
    {
      id: 'pd',
      kind: 'pagerduty',
      url: `${receiver.url}/v2/enqueue`,
      routingKey: '${PAGERDUTY_ROUTING_KEY}',
    },
    { PAGERDUTY_ROUTING_KEY: ROUTING_KEY },
  );

describe('pagerduty sink', () => {
  it('defaults to the public Events API v2 endpoint', () => {
    const { config } = configuredSink(
      { id: 'pd', kind: 'pagerduty', routingKey: '${PAGERDUTY_ROUTING_KEY}' },
      { PAGERDUTY_ROUTING_KEY: ROUTING_KEY },
    );
    expect(PAGERDUTY_EVENTS_URL).toBe(
      'https://events.pagerduty.com/v2/enqueue',
    );
    expect(config).toMatchObject({ url: PAGERDUTY_EVENTS_URL });
  });

  it('triggers with routing key, dedup key and the payload fields', async () => {
    await pagerduty().send([sampleNotification('created')]);
    const request = receiver.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v2/enqueue');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(jsonBody(request)).toEqual({
      routing_key: ROUTING_KEY,
      dedup_key: 'alt-7f3a',
      event_action: 'trigger',
      client: 'Kubeguard',
      payload: {
        summary: 'Exec into kube-system/etcd-0 by alice@example.com',
        source: 'prod-east',
        severity: 'error',
        timestamp: '2025-03-01T10:05:01.500Z',
        component: 'pods',
        group: 'kube-system',
        class: 'K8S_ExecInKubeSystemPod',
        custom_details: {
          alert_id: 'alt-7f3a',
          rule_id: 'pod-exec-kube-system',
          fingerprint: 'fp-91c2',
          change: 'created',
          status: 'new',
          outcome: 'allowed',
          description: 'A person ran a command inside a kube-system pod.',
          actor: 'alice@example.com',
          groups: ['system:authenticated', 'sre'],
          source_ips: ['203.0.113.7', '10.0.0.4'],
          user_agent: 'kubectl/v1.30.1 (linux/amd64)',
          target: 'create pods/exec kube-system/etcd-0',
          mitre_tactics: ['TA0002'],
          mitre_techniques: ['T1609'],
          count: 2,
          audit_ids: ['audit-1', 'audit-2'],
          remediation: [
            'Check why the person needed a shell in a system pod.',
            'Remove pods/exec from their roles if not needed.',
          ],
        },
      },
    });
  });

  it('resolves with the same dedup key, so the incident closes', async () => {
    await pagerduty().send([
      sampleNotification('created'),
      sampleNotification('updated'),
      sampleNotification(
        'resolved',
        sampleAlert({ status: AlertStatus.RESOLVED }),
      ),
    ]);
    const bodies = receiver.requests.map(
      r => jsonBody(r) as Record<string, unknown>,
    );
    expect(bodies.map(b => b['event_action'])).toEqual([
      'trigger',
      'trigger',
      'resolve',
    ]);
    expect(new Set(bodies.map(b => b['dedup_key']))).toEqual(
      new Set(['alt-7f3a']),
    );
    expect(bodies[2]).toEqual({
      routing_key: ROUTING_KEY,
      dedup_key: 'alt-7f3a',
      event_action: 'resolve',
    });
  });

  it.each([
    [Severity.CRITICAL, 'critical'],
    [Severity.HIGH, 'error'],
    [Severity.MEDIUM, 'warning'],
    [Severity.LOW, 'warning'],
    [Severity.INFO, 'info'],
  ])('maps severity %i to %s', async (severity, expected) => {
    await pagerduty().send([
      sampleNotification('created', sampleAlert({ severity })),
    ]);
    const body = jsonBody(receiver.requests[0]) as {
      payload: { severity: string };
    };
    expect(body.payload.severity).toBe(expected);
  });

  it('marks a test alert in the summary', async () => {
    await pagerduty().send([sampleNotification('test')]);
    const body = jsonBody(receiver.requests[0]) as {
      payload: { summary: string };
    };
    expect(body.payload.summary.startsWith('[TEST] ')).toBe(true);
  });

  it('classifies an invalid event and a throttled one', async () => {
    receiver.replies.push({
      status: 400,
      body: '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect"]}',
    });
    const invalid = await sendError(pagerduty().send([sampleNotification()]));
    expect(invalid.retryable).toBe(false);
    receiver.replies.push({ status: 429 });
    const throttled = await sendError(pagerduty().send([sampleNotification()]));
    expect(throttled.retryable).toBe(true);
  });
});
