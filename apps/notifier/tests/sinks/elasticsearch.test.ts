import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { encodeEcs, encodeNativeJson } from '../../src/encodings/index.js';
import { sampleAlert, sampleNotification } from './support/fixtures.js';
import {
  startHttpReceiver,
  type CapturedRequest,
  type HttpReceiver,
  type Reply,
} from './support/http-receiver.js';
import { buildSink, NOW, sendError } from './support/sinks.js';

const CONTEXT = {
  now: new Date(NOW),
  productVersion: '9.9.9',
  source: '/kubeguard/test',
};

let receiver: HttpReceiver;

/** Answers a bulk request like Elasticsearch: one item per action, statuses from `statuses` (default 201). */
function bulkAnswer(statuses: Record<string, number> = {}) {
  return (request: CapturedRequest): Reply => {
    const lines = request.body.split('\n').filter(line => line !== '');
    const items = lines
      .filter((_, i) => i % 2 === 0)
      .map(line => {
        const { create } = JSON.parse(line) as {
          create: { _index: string; _id: string };
        };
        const status = statuses[create._id] ?? 201;
        return {
          create: {
            _index: create._index,
            _id: create._id,
            status,
            ...(status === 409
              ? {
                  error: {
                    type: 'version_conflict_engine_exception',
                    reason: `[${create._id}]: version conflict, document already exists`,
                  },
                }
              : status >= 300
                ? {
                    error: {
                      type:
                        status === 429
                          ? 'es_rejected_execution_exception'
                          : 'document_parsing_exception',
                      reason:
                        status === 429
                          ? 'rejected execution'
                          : 'failed to parse field [event.severity]',
                    },
                  }
                : {}),
          },
        };
      });
    return {
      status: 200,
      body: JSON.stringify({
        took: 3,
        errors: items.some(i => i.create.status >= 300),
        items,
      }),
    };
  };
}

beforeAll(async () => {
  receiver = await startHttpReceiver(bulkAnswer());
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.replies.length = 0;
  receiver.fallback = bulkAnswer();
});

const elastic = (
  extra: Record<string, unknown> = {},
  env: Record<string, string> = {},
) =>
  buildSink(
    { id: 'es', kind: 'elasticsearch', url: receiver.url, ...extra },
    env,
  );

const batch = ['n-1', 'n-2', 'n-3'].map((id, i) =>
  sampleNotification(i === 0 ? 'created' : 'updated', sampleAlert(), id),
);

describe('elasticsearch sink', () => {
  it('POSTs /_bulk NDJSON with create actions, notification ids and ECS documents', async () => {
    await elastic(
      { index: 'logs-kubeguard.alerts-default', apiKey: '${ES_API_KEY}' },
      {
        ES_API_KEY:
          'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==',
      },
    ).send(batch);
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/_bulk');
    expect(request.headers['content-type']).toBe('application/x-ndjson');
    expect(request.headers['authorization']).toBe(
      'ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==',
    );
    expect(request.body.endsWith('\n')).toBe(true);
    const lines = request.body
      .slice(0, -1)
      .split('\n')
      .map(line => JSON.parse(line) as unknown);
    expect(lines).toEqual(
      batch.flatMap(notification => [
        {
          create: {
            _index: 'logs-kubeguard.alerts-default',
            _id: notification.id,
          },
        },
        encodeEcs(notification, CONTEXT),
      ]),
    );
  });

  it('uses basic auth, a pipeline and another encoding when configured', async () => {
    await elastic(
      {
        username: 'kubeguard',
        password: '${ES_PASSWORD}',
        pipeline: 'kubeguard alerts',
        encoding: 'json',
      },
      { ES_PASSWORD: 'p@ss:word' },
    ).send([batch[0]!]);
    const request = receiver.requests[0]!;
    expect(request.path).toBe('/_bulk?pipeline=kubeguard%20alerts');
    expect(request.headers['authorization']).toBe(
      `Basic ${Buffer.from('kubeguard:p@ss:word').toString('base64')}`,
    );
    const [action, document] = request.body
      .trim()
      .split('\n')
      .map(line => JSON.parse(line) as unknown);
    expect(action).toEqual({
      create: { _index: 'kubeguard-alerts', _id: 'n-1' },
    });
    expect(document).toEqual(encodeNativeJson(batch[0]!));
  });

  it('treats 409 conflicts as already delivered', async () => {
    receiver.fallback = bulkAnswer({ 'n-1': 409, 'n-3': 409 });
    await expect(elastic().send(batch)).resolves.toBeUndefined();
  });

  it('fails retryably on rejected items and names the delivered ones', async () => {
    receiver.fallback = bulkAnswer({ 'n-1': 409, 'n-2': 429 });
    const error = await sendError(elastic().send(batch));
    expect(error.code).toBe('SINK_ITEMS_REJECTED');
    expect(error.retryable).toBe(true);
    expect(error.status).toBe(429);
    expect(error.delivered).toEqual(['n-1', 'n-3']);
    expect(error.message).toContain('1 of 3 documents refused');
    expect(error.message).toContain('es_rejected_execution_exception');
  });

  it('fails for good on mapping errors', async () => {
    receiver.fallback = bulkAnswer({ 'n-3': 400 });
    const error = await sendError(elastic().send(batch));
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(400);
    expect(error.delivered).toEqual(['n-1', 'n-2']);
    expect(error.body).toBe(
      'document_parsing_exception: failed to parse field [event.severity]',
    );
  });

  it('is retryable when any refused item is, even next to permanent ones', async () => {
    receiver.fallback = bulkAnswer({ 'n-1': 400, 'n-2': 503 });
    const error = await sendError(elastic().send(batch));
    expect(error.retryable).toBe(true);
    expect(error.delivered).toEqual(['n-3']);
  });

  it('classifies request-level failures', async () => {
    receiver.replies.push({
      status: 401,
      body: '{"error":{"type":"security_exception"},"status":401}',
    });
    const denied = await sendError(elastic().send(batch));
    expect(denied.code).toBe('SINK_HTTP_STATUS');
    expect(denied.retryable).toBe(false);
    receiver.replies.push({ status: 503 });
    expect((await sendError(elastic().send(batch))).retryable).toBe(true);
  });

  it('retries an unreadable 2xx answer', async () => {
    receiver.replies.push({ status: 200, body: '<html>proxy</html>' });
    const error = await sendError(elastic().send(batch));
    expect(error.retryable).toBe(true);
    expect(error.delivered).toEqual([]);
  });
});
