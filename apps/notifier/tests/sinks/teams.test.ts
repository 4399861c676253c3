import { AlertStatus } from '@kubeguard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { teamsMessage } from '../../src/sinks/index.js';
import { sampleAlert, sampleNotification } from './support/fixtures.js';
import {
  jsonBody,
  startHttpReceiver,
  type HttpReceiver,
} from './support/http-receiver.js';
import { buildSink, sendError } from './support/sinks.js';

let receiver: HttpReceiver;

beforeAll(async () => {
  // A Workflows trigger answers 202 Accepted.
  receiver = await startHttpReceiver({ status: 202 });
});
afterAll(() => receiver.close());

describe('teams sink', () => {
  it('POSTs a message with one Adaptive Card attachment', async () => {
    const sink = buildSink(
      { id: 'teams-soc', kind: 'teams', url: '${TEAMS_WEBHOOK_URL}' },
      {
        TEAMS_WEBHOOK_URL: `${receiver.url}/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cr3t`,
      },
    );
    await sink.send([sampleNotification('created')]);
    const request = receiver.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(
      '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cr3t',
    );
    expect(request?.headers['content-type']).toBe(
      'application/json; charset=utf-8',
    );
    expect(jsonBody(request)).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              {
                type: 'TextBlock',
                text: 'High: Exec into kube-system/etcd-0 by alice@example.com',
                weight: 'Bolder',
                size: 'Medium',
                color: 'Attention',
                wrap: true,
              },
              {
                type: 'TextBlock',
                text: 'A person ran a command inside a kube-system pod.',
                wrap: true,
              },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Severity', value: 'High' },
                  { title: 'Cluster', value: 'prod-east' },
                  {
                    title: 'Actor',
                    value: 'alice@example.com from 203.0.113.7, 10.0.0.4',
                  },
                  {
                    title: 'Target',
                    value: 'create pods/exec kube-system/etcd-0',
                  },
                  {
                    title: 'Rule',
                    value: 'pod-exec-kube-system (K8S_ExecInKubeSystemPod)',
                  },
                  { title: 'Status', value: 'new (created)' },
                ],
              },
              {
                type: 'TextBlock',
                text: 'Remediation',
                weight: 'Bolder',
                wrap: true,
              },
              {
                type: 'TextBlock',
                text: '- Check why the person needed a shell in a system pod.',
                wrap: true,
                spacing: 'None',
              },
              {
                type: 'TextBlock',
                text: '- Remove pods/exec from their roles if not needed.',
                wrap: true,
                spacing: 'None',
              },
              {
                type: 'TextBlock',
                text: 'alert alt-7f3a · seen 2× (2025-03-01T10:00:00.000Z – 2025-03-01T10:05:00.000Z) · ATT&CK TA0002, T1609',
                isSubtle: true,
                size: 'Small',
                wrap: true,
              },
            ],
            msteams: { width: 'Full' },
          },
        },
      ],
    });
  });

  it('colours a resolved alert Good', () => {
    const message = teamsMessage(
      sampleNotification(
        'resolved',
        sampleAlert({ status: AlertStatus.RESOLVED }),
      ),
    );
    const card = (
      message['attachments'] as {
        content: { body: Record<string, unknown>[] };
      }[]
    )[0];
    expect(card?.content.body[0]).toMatchObject({
      text: 'Resolved: High: Exec into kube-system/etcd-0 by alice@example.com',
      color: 'Good',
    });
  });

  it('classifies a refused workflow call', async () => {
    const sink = buildSink({ id: 't', kind: 'teams', url: receiver.url });
    receiver.replies.push({
      status: 400,
      body: '{"error":{"code":"InvalidRequestContent"}}',
    });
    const error = await sendError(sink.send([sampleNotification()]));
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(400);
  });
});
