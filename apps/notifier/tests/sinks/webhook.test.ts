import { createHmac } from 'node:crypto';

import { freePort } from '@kubeguard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  encodeCef,
  encodeCloudEvent,
  encodeNativeJson,
} from '../../src/encodings/index.js';
import { signWebhook, verifyWebhookSignature } from '../../src/sinks/index.js';
import { sampleAlert, sampleNotification } from './support/fixtures.js';
import {
  jsonBody,
  startHttpReceiver,
  type HttpReceiver,
} from './support/http-receiver.js';
import { buildSink, NOW, sendError, testDeps } from './support/sinks.js';

const SECRET = 'a-webhook-secret-of-32-characters!';
const CONTEXT = {
  now: new Date(NOW),
  productVersion: '9.9.9',
  source: '/kubeguard/test',
};

let receiver: HttpReceiver;

beforeAll(async () => {
  receiver = await startHttpReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.replies.length = 0;
});

const webhook = (extra: Record<string, unknown> = {}, env = {}) =>
  buildSink(
    {
      id: 'hook',
      kind: 'webhook',
      url: `${receiver.url}/hooks/kubeguard?source=test`,
      ...extra,
    },
    env,
  );

describe('webhook sink', () => {
  it('POSTs the native JSON with identifying and custom headers', async () => {
    const notification = sampleNotification('created');
    const sink = webhook(
      {
        headers: { 'X-Team': 'secops', Authorization: 'Bearer ${HOOK_TOKEN}' },
      },
      { HOOK_TOKEN: 'tok-123' },
    );
    await sink.send([notification]);
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/kubeguard?source=test');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('Kubeguard/9.9.9');
    expect(request.headers['x-kubeguard-notification-id']).toBe(
      'sink-a:alt-7f3a:created',
    );
    expect(request.headers['x-kubeguard-change']).toBe('created');
    expect(request.headers['x-team']).toBe('secops');
    expect(request.headers['authorization']).toBe('Bearer tok-123');
    expect(request.headers['x-kubeguard-signature']).toBeUndefined();
    expect(jsonBody(request)).toEqual(encodeNativeJson(notification));
  });

  it('signs the exact body with HMAC-SHA256 and a timestamp a receiver can verify', async () => {
    await webhook({ secret: SECRET }).send([sampleNotification('created')]);
    const request = receiver.requests[0]!;
    const timestamp = request.headers['x-kubeguard-timestamp'] as string;
    const signature = request.headers['x-kubeguard-signature'] as string;
    expect(timestamp).toBe(String(Math.floor(NOW / 1000)));
    const expected = createHmac('sha256', SECRET)
      .update(`${timestamp}.${request.body}`)
      .digest('hex');
    expect(signature).toBe(`sha256=${expected}`);
    expect(signature).toBe(
      signWebhook(SECRET, Number(timestamp), request.body),
    );

    const verify = (
      overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]>,
    ) =>
      verifyWebhookSignature({
        secret: SECRET,
        body: request.body,
        timestamp,
        signature,
        nowMs: NOW + 30_000,
        ...overrides,
      });
    expect(verify({})).toBe(true);
    expect(verify({ body: request.body.replace('alice', 'mallory') })).toBe(
      false,
    );
    expect(verify({ secret: 'another-secret-of-enough-length' })).toBe(false);
    // Replay: the same request six minutes later is refused.
    expect(verify({ nowMs: NOW + 6 * 60_000 })).toBe(false);
    // A fresh timestamp on the old signature does not verify.
    expect(verify({ timestamp: String(Math.floor(NOW / 1000) + 60) })).toBe(
      false,
    );
    expect(verify({ signature: undefined })).toBe(false);
  });

  it('sends CEF as text/plain and CloudEvents as application/cloudevents+json', async () => {
    const notification = sampleNotification('resolved');
    await webhook({ encoding: 'cef' }).send([notification]);
    await webhook({ encoding: 'cloudevents' }).send([notification]);
    const [cef, cloudEvent] = receiver.requests;
    expect(cef?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(cef?.body).toBe(encodeCef(notification, CONTEXT));
    expect(cloudEvent?.headers['content-type']).toBe(
      'application/cloudevents+json; charset=utf-8',
    );
    expect(jsonBody(cloudEvent)).toEqual(
      encodeCloudEvent(notification, CONTEXT),
    );
  });

  it('sends a batch as one request per notification, in order', async () => {
    const batch = ['created', 'updated', 'resolved'] as const;
    await webhook().send(batch.map(change => sampleNotification(change)));
    expect(receiver.requests.map(r => r.headers['x-kubeguard-change'])).toEqual(
      ['created', 'updated', 'resolved'],
    );
  });

  it('accepts any 2xx', async () => {
    receiver.replies.push({ status: 202 }, { status: 204 });
    await webhook().send([sampleNotification(), sampleNotification('updated')]);
    expect(receiver.requests).toHaveLength(2);
  });

  describe('errors', () => {
    it('classifies 500 as retryable with the status and a body excerpt', async () => {
      receiver.replies.push({ status: 500, body: 'database   is\ndown' });
      const error = await sendError(webhook().send([sampleNotification()]));
      expect(error.code).toBe('SINK_HTTP_STATUS');
      expect(error.retryable).toBe(true);
      expect(error.status).toBe(500);
      expect(error.body).toBe('database is down');
      expect(error.sinkId).toBe('hook');
      expect(error.message).toContain("sink 'hook'");
      expect(error.message).toContain('500');
      // The URL's path and query (where webhook secrets live) stay out of messages.
      expect(error.message).not.toContain('/hooks/kubeguard');
    });

    it('classifies 400 as not retryable', async () => {
      receiver.replies.push({ status: 400, body: '{"error":"bad payload"}' });
      const error = await sendError(webhook().send([sampleNotification()]));
      expect(error.retryable).toBe(false);
      expect(error.status).toBe(400);
      expect(error.body).toBe('{"error":"bad payload"}');
    });

    it.each([401, 403, 404, 410, 413])(
      'classifies %i as not retryable',
      async status => {
        receiver.replies.push({ status });
        expect(
          (await sendError(webhook().send([sampleNotification()]))).retryable,
        ).toBe(false);
      },
    );

    it.each([408, 502, 503, 504])(
      'classifies %i as retryable',
      async status => {
        receiver.replies.push({ status });
        expect(
          (await sendError(webhook().send([sampleNotification()]))).retryable,
        ).toBe(true);
      },
    );

    it('passes 429 Retry-After seconds on as retryAfterMs', async () => {
      receiver.replies.push({ status: 429, headers: { 'retry-after': '7' } });
      const error = await sendError(webhook().send([sampleNotification()]));
      expect(error.retryable).toBe(true);
      expect(error.status).toBe(429);
      expect(error.retryAfterMs).toBe(7000);
    });

    it('reads a Retry-After HTTP date against the sink clock', async () => {
      receiver.replies.push({
        status: 503,
        headers: { 'retry-after': new Date(NOW + 90_000).toUTCString() },
      });
      const error = await sendError(webhook().send([sampleNotification()]));
      expect(error.retryAfterMs).toBe(90_000);
    });

    it('does not follow redirects', async () => {
      receiver.replies.push({
        status: 302,
        headers: { location: '/elsewhere' },
      });
      const error = await sendError(webhook().send([sampleNotification()]));
      expect(error.retryable).toBe(false);
      expect(error.status).toBe(302);
      expect(receiver.requests).toHaveLength(1);
    });

    it('classifies connection refused as retryable', async () => {
      const port = await freePort();
      const sink = buildSink({
        id: 'hook',
        kind: 'webhook',
        url: `http://127.0.0.1:${String(port)}/`,
      });
      const error = await sendError(sink.send([sampleNotification()]));
      expect(error.code).toBe('SINK_UNREACHABLE');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('ECONNREFUSED');
    });

    it('times out with AbortSignal.timeout as retryable', async () => {
      receiver.replies.push({ status: 200, delayMs: 3_000 });
      const started = Date.now();
      const error = await sendError(
        webhook({ timeoutMs: 200 }).send([sampleNotification()]),
      );
      expect(error.code).toBe('SINK_TIMEOUT');
      expect(error.retryable).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_500);
    });

    it('reports the notifications delivered before a failure in the batch', async () => {
      receiver.replies.push({ status: 200 }, { status: 200 }, { status: 503 });
      const batch = [
        sampleNotification('created', sampleAlert(), 'n-1'),
        sampleNotification('updated', sampleAlert(), 'n-2'),
        sampleNotification('updated', sampleAlert(), 'n-3'),
        sampleNotification('updated', sampleAlert(), 'n-4'),
      ];
      const error = await sendError(webhook().send(batch));
      expect(error.delivered).toEqual(['n-1', 'n-2']);
      expect(error.retryable).toBe(true);
      // n-4 was not tried.
      expect(receiver.requests).toHaveLength(3);
    });
  });

  it('uses the injected clock for the signature timestamp', async () => {
    const sink = buildSink(
      { id: 'hook', kind: 'webhook', url: receiver.url, secret: SECRET },
      {},
      testDeps({ clock: () => 1_700_000_000_999 }),
    );
    await sink.send([sampleNotification()]);
    expect(receiver.requests[0]?.headers['x-kubeguard-timestamp']).toBe(
      '1700000000',
    );
  });
});
