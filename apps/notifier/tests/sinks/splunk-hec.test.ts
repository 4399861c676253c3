import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  encodeCef,
  encodeNativeJson,
  encodeOcsf,
} from '../../src/encodings/index.js';
import { sampleAlert, sampleNotification } from './support/fixtures.js';
import {
  startHttpReceiver,
  type HttpReceiver,
} from './support/http-receiver.js';
import { buildSink, NOW, sendError } from './support/sinks.js';

const CONTEXT = {
  now: new Date(NOW),
  productVersion: '9.9.9',
  source: '/kubeguard/test',
};
const SUCCESS = { status: 200, body: '{"text":"Success","code":0}' };

let receiver: HttpReceiver;

beforeAll(async () => {
  receiver = await startHttpReceiver(SUCCESS);
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.replies.length = 0;
});

const hec = (extra: Record<string, unknown> = {}) =>
  buildSink(
    {
      id: 'splunk',
      kind: 'splunk-hec',
      url: `${receiver.url}/`,
      token: '${SPLUNK_HEC_TOKEN}',
      ...extra,
    },
    { SPLUNK_HEC_TOKEN: '11111111-2222-3333-4444-555555555555' },
  );

const events = (body: string): Record<string, unknown>[] =>
  body.split('\n').map(line => JSON.parse(line) as Record<string, unknown>);

describe('splunk-hec sink', () => {
  it('POSTs a batch of newline-separated events with the Splunk token', async () => {
    const first = sampleNotification('created', sampleAlert(), 'n-1');
    const second = sampleNotification(
      'updated',
      sampleAlert({
        cluster: '',
        updatedAt: new Date('2025-03-01T11:00:00.250Z'),
      }),
      'n-2',
    );
    await hec({ index: 'k8s_security' }).send([first, second]);
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/services/collector/event');
    expect(request.headers['authorization']).toBe(
      'Splunk 11111111-2222-3333-4444-555555555555',
    );
    expect(request.headers['content-type']).toBe(
      'application/json; charset=utf-8',
    );
    expect(request.body.split('\n')).toHaveLength(2);
    expect(events(request.body)).toEqual([
      {
        time: Date.parse('2025-03-01T10:05:01.500Z') / 1000,
        host: 'prod-east',
        source: 'kubeguard',
        sourcetype: 'kubeguard:alert',
        index: 'k8s_security',
        event: encodeNativeJson(first),
      },
      {
        time: 1740826800.25,
        // No cluster: the notifier's own host name.
        host: 'notifier-0',
        source: 'kubeguard',
        sourcetype: 'kubeguard:alert',
        index: 'k8s_security',
        event: encodeNativeJson(second),
      },
    ]);
  });

  it('leaves index out unless configured, and carries OCSF objects or CEF strings', async () => {
    const notification = sampleNotification('created');
    await hec({
      encoding: 'ocsf',
      sourcetype: 'ocsf:detection_finding',
      host: 'k8s',
    }).send([notification]);
    await hec({ encoding: 'cef' }).send([notification]);
    const [ocsf, cef] = receiver.requests.map(r => events(r.body)[0]);
    expect(ocsf).not.toHaveProperty('index');
    expect(ocsf?.['host']).toBe('k8s');
    expect(ocsf?.['sourcetype']).toBe('ocsf:detection_finding');
    expect(ocsf?.['event']).toEqual(encodeOcsf(notification, CONTEXT));
    expect(cef?.['event']).toBe(encodeCef(notification, CONTEXT));
  });

  it('refuses a bad token without retry', async () => {
    receiver.replies.push({
      status: 403,
      body: '{"text":"Invalid token","code":4}',
    });
    const error = await sendError(hec().send([sampleNotification()]));
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(403);
    expect(error.body).toBe('{"text":"Invalid token","code":4}');
    expect(error.delivered).toEqual([]);
  });

  it('retries a busy server', async () => {
    receiver.replies.push({
      status: 503,
      body: '{"text":"Server is busy","code":9}',
    });
    const error = await sendError(hec().send([sampleNotification()]));
    expect(error.retryable).toBe(true);
  });

  it('reports the events indexed before the one HEC refused', async () => {
    receiver.replies.push({
      status: 400,
      body: '{"text":"Invalid data format","code":6,"invalid-event-number":2}',
    });
    const batch = ['n-1', 'n-2', 'n-3'].map(id =>
      sampleNotification('created', sampleAlert(), id),
    );
    const error = await sendError(hec().send(batch));
    expect(error.retryable).toBe(false);
    expect(error.delivered).toEqual(['n-1', 'n-2']);
  });
});
