import { AlertStatus, Severity } from '@kubeguard/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { escapeSlack, slackMessage } from '../../src/sinks/index.js';
import { sampleAlert, sampleNotification } from './support/fixtures.js';
import {
  jsonBody,
  startHttpReceiver,
  type HttpReceiver,
} from './support/http-receiver.js';
import { buildSink, sendError } from './support/sinks.js';

let receiver: HttpReceiver;

beforeAll(async () => {
  receiver = await startHttpReceiver({ status: 200, body: 'ok' });
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.replies.length = 0;
});

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

describe('slack sink', () => {
  it('POSTs text and blocks with severity, title, cluster, actor, target and rule', async () => {
    const sink = buildSink(
      { id: 'slack-secops', kind: 'slack', url: '${SLACK_WEBHOOK_URL}' },
      { SLACK_WEBHOOK_URL: `${receiver.url}/services/T000/B000/XXXX` },
    );
    await sink.send([sampleNotification('created')]);
    const request = receiver.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/services/T000/B000/XXXX');
    expect(request?.headers['content-type']).toBe(
      'application/json; charset=utf-8',
    );
    expect(jsonBody(request)).toEqual({
      text: 'High: Exec into kube-system/etcd-0 by alice@example.com',
      blocks: [
        {
          type: 'header',
          text: {
            type: 'plain_text',
            text: ':red_circle: High: Exec into kube-system/etcd-0 by alice@example.com',
            emoji: true,
          },
        },
        {
          type: 'section',
          fields: [
            mrkdwn('*Severity*\nHigh'),
            mrkdwn('*Cluster*\n`prod-east`'),
            mrkdwn('*Actor*\n`alice@example.com from 203.0.113.7, 10.0.0.4`'),
            mrkdwn('*Target*\n`create pods/exec kube-system/etcd-0`'),
            mrkdwn('*Rule*\n`pod-exec-kube-system (K8S_ExecInKubeSystemPod)`'),
            mrkdwn('*Status*\nnew (created)'),
          ],
        },
        {
          type: 'section',
          text: mrkdwn('A person ran a command inside a kube-system pod.'),
        },
        {
          type: 'section',
          text: mrkdwn(
            '*Remediation*\n• Check why the person needed a shell in a system pod.\n• Remove pods/exec from their roles if not needed.',
          ),
        },
        {
          type: 'context',
          elements: [
            mrkdwn(
              'alert alt-7f3a · seen 2× (2025-03-01T10:00:00.000Z – 2025-03-01T10:05:00.000Z) · ATT&amp;CK TA0002, T1609',
            ),
          ],
        },
      ],
      unfurl_links: false,
      unfurl_media: false,
    });
  });

  it('neutralises links, mentions and code-span breakouts in alert text', () => {
    const hostile = sampleAlert({
      title: 'pwned <!channel> <https://evil.example|click>',
      description: 'see <https://evil.example> & <@U123>',
      actor: {
        username: 'eve`<!here>`',
        groups: [],
        sourceIps: [],
        userAgent: '',
        impersonatedUsername: '',
      },
    });
    const message = slackMessage(sampleNotification('created', hostile));
    // Every mrkdwn text (the only kind Slack parses links and mentions in) is escaped.
    const parsed = [
      message['text'],
      ...(message['blocks'] as Record<string, unknown>[])
        .filter(block => block['type'] !== 'header')
        .map(block => JSON.stringify(block)),
    ].join('\n');
    expect(parsed).not.toMatch(/<!channel>|<!here>|<https:|<@U123>/);
    // The header is plain_text, which Slack shows literally.
    expect(
      (message['blocks'] as { type: string; text: { type: string } }[])[0]?.text
        .type,
    ).toBe('plain_text');
    expect(message['text']).toBe(
      'High: pwned &lt;!channel&gt; &lt;https://evil.example|click&gt;',
    );
    const blocks = message['blocks'] as {
      text?: { text: string };
      fields?: { text: string }[];
    }[];
    expect(blocks[1]?.fields?.[2]?.text).toBe("*Actor*\n`eve'&lt;!here&gt;'`");
    expect(blocks[2]?.text?.text).toBe(
      'see &lt;https://evil.example&gt; &amp; &lt;@U123&gt;',
    );
    expect(escapeSlack('a&b<c>d')).toBe('a&amp;b&lt;c&gt;d');
  });

  it('marks resolved alerts and test alerts in the heading', () => {
    const resolved = slackMessage(
      sampleNotification(
        'resolved',
        sampleAlert({ status: AlertStatus.RESOLVED }),
      ),
    );
    expect(
      (resolved['blocks'] as { text: { text: string } }[])[0]?.text.text,
    ).toBe(
      ':white_check_mark: Resolved: High: Exec into kube-system/etcd-0 by alice@example.com',
    );
    const test = slackMessage(
      sampleNotification(
        'test',
        sampleAlert({ severity: Severity.INFO, title: 'T' }),
      ),
    );
    expect(test['text']).toBe('[TEST] Info: T');
  });

  it('shows a digest repeat count in the context line', () => {
    const message = slackMessage({
      ...sampleNotification('updated'),
      repeats: 4,
    });
    const blocks = message['blocks'] as { elements?: { text: string }[] }[];
    expect(blocks.at(-1)?.elements?.[0]?.text).toContain(
      '4 notifications folded',
    );
  });

  it('cuts the header to Slack’s 150 characters', () => {
    const message = slackMessage(
      sampleNotification('created', sampleAlert({ title: 'x'.repeat(400) })),
    );
    const header =
      (message['blocks'] as { text: { text: string } }[])[0]?.text.text ?? '';
    expect(header).toHaveLength(150);
    expect(header.endsWith('…')).toBe(true);
  });

  it('classifies Slack refusals', async () => {
    const sink = buildSink({ id: 's', kind: 'slack', url: receiver.url });
    receiver.replies.push({ status: 404, body: 'no_service' });
    const gone = await sendError(sink.send([sampleNotification()]));
    expect(gone.retryable).toBe(false);
    expect(gone.body).toBe('no_service');
    receiver.replies.push({ status: 429, headers: { 'retry-after': '30' } });
    const limited = await sendError(sink.send([sampleNotification()]));
    expect(limited.retryable).toBe(true);
    expect(limited.retryAfterMs).toBe(30_000);
  });
});
