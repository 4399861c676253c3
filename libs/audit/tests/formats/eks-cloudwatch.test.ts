import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import {
  decodeBody,
  expandRecord,
  isConverted,
  type FormatResult,
} from '../../src/formats/index.js';
import {
  field,
  fixture,
  fixtureObject,
  fixtureText,
  rejection,
  single,
} from './fixtures.js';

const AUDIT_STREAM = 'kube-apiserver-audit-3f1e2d4c5b6a79880123456789abcdef';

/** The subscription payload as Kinesis/Firehose/Lambda carry it: gzip, then base64. */
function base64Gzip(text: string): string {
  return gzipSync(Buffer.from(text)).toString('base64');
}

function summary(results: FormatResult[]): unknown[] {
  return results.map(r => (isConverted(r) ? r.event['auditID'] : r));
}

describe('EKS CloudWatch Logs records', () => {
  it('reads an exported log event whose message is the audit Event', () => {
    const { event, format, inferred } = single(
      expandRecord(fixture('eks/cloudwatch-exported-line.json')),
    );
    expect(format).toBe('eks-cloudwatch');
    expect(inferred).toEqual([]);
    expect(event['auditID']).toBe('a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d');
    expect(event['stage']).toBe('ResponseStarted');
    expect(event['verb']).toBe('create');
    expect(event['objectRef']).toEqual({
      resource: 'pods',
      namespace: 'shop',
      name: 'api-6f7d9c-xk2lp',
      apiVersion: 'v1',
      subresource: 'exec',
    });
    const user = field(event, 'user');
    expect(user['username']).toBe(
      'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/jane',
    );
    expect(user['groups']).toEqual(['system:authenticated']);
    expect(field(user, 'extra')['sessionName']).toEqual(['jane']);
    expect(event['sourceIPs']).toEqual(['198.51.100.40']);
    expect(field(event, 'responseStatus')['code']).toBe(101);
  });

  it('expands a decoded subscription payload, one event per logEvent', () => {
    const results = expandRecord(fixture('eks/subscription-data-message.json'));
    expect(
      results.every(r => isConverted(r) && r.format === 'eks-cloudwatch'),
    ).toBe(true);
    expect(summary(results)).toEqual([
      '0f9e8d7c-6b5a-4493-8271-605f4e3d2c1b',
      '5c4b3a29-1807-46f5-a4e3-d2c1b0a99887',
    ]);
    const patch = results[1];
    expect(patch !== undefined && isConverted(patch)).toBe(true);
    if (patch !== undefined && isConverted(patch)) {
      expect(patch.event['objectRef']).toEqual({
        resource: 'deployments',
        namespace: 'shop',
        name: 'api',
        apiGroup: 'apps',
        apiVersion: 'v1',
      });
    }
  });

  it('expands the same payload delivered as base64 gzip text (Kinesis, Firehose)', () => {
    const json = fixtureText('eks/subscription-data-message.json');
    const text = decodeBody(Buffer.from(base64Gzip(json)));
    expect(typeof text).toBe('string');
    const results = expandRecord(JSON.parse(text as string));
    expect(results).toEqual(
      expandRecord(fixture('eks/subscription-data-message.json')),
    );
  });

  it("expands Lambda's {awslogs: {data}} event", () => {
    const json = fixtureText('eks/subscription-data-message.json');
    const results = expandRecord({ awslogs: { data: base64Gzip(json) } });
    expect(summary(results)).toEqual([
      '0f9e8d7c-6b5a-4493-8271-605f4e3d2c1b',
      '5c4b3a29-1807-46f5-a4e3-d2c1b0a99887',
    ]);
    expect(
      rejection(expandRecord({ awslogs: { data: 'bm90IGd6aXA=' } })),
    ).toEqual({
      reason: 'NOT_JSON',
      detail: 'awslogs.data: expected base64 of gzip data',
    });
  });

  it('skips a CONTROL_MESSAGE with one reason', () => {
    expect(
      expandRecord(fixture('eks/subscription-control-message.json')),
    ).toEqual([
      {
        skip: 'CloudWatch Logs CONTROL_MESSAGE: a reachability check from CloudWatch, no log events',
      },
    ]);
  });

  it('skips log streams that are not kube-apiserver-audit', () => {
    const payload = fixtureObject('eks/subscription-data-message.json');
    expect(
      expandRecord({ ...payload, logStream: 'authenticator-3f1e2d4c' }),
    ).toEqual([
      {
        skip: "log stream 'authenticator-3f1e2d4c' in log group '/aws/eks/prod/cluster' is not an EKS audit stream (kube-apiserver-audit-*)",
      },
    ]);
  });

  it('reads Logs Insights rows (@message, @logStream) given as a JSON array', () => {
    const results = expandRecord(fixture('eks/logs-insights-rows.json'));
    expect(summary(results)).toEqual([
      '0f9e8d7c-6b5a-4493-8271-605f4e3d2c1b',
      {
        skip: "[1]: log stream 'kube-apiserver-3f1e2d4c5b6a79880123456789abcdef' in log group '123456789012:/aws/eks/prod/cluster' is not an EKS audit stream (kube-apiserver-audit-*)",
      },
    ]);
  });

  it('reads the events of `aws logs filter-log-events` output', () => {
    const line = fixtureObject('eks/cloudwatch-exported-line.json');
    const results = expandRecord({
      events: [
        {
          logStreamName: AUDIT_STREAM,
          timestamp: 1795172400620,
          message: line['message'],
          ingestionTime: 1795172401000,
          eventId: '383458102938475629103847562910384756',
        },
      ],
      searchedLogStreams: [],
    });
    expect(summary(results)).toEqual(['a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d']);
  });

  it('rejects malformed payloads and messages, naming the log event', () => {
    const payload = fixtureObject('eks/subscription-data-message.json');
    expect(rejection(expandRecord({ ...payload, logEvents: 5 }))).toEqual({
      reason: 'WRONG_TYPE',
      detail: 'logEvents: expected an array, got a number',
    });
    const results = expandRecord({
      ...payload,
      logEvents: [
        { id: '1', timestamp: 1, message: '{"kind":"Event","auditID":' },
        { id: '2', timestamp: 2, message: '{"level":"info","msg":"hi"}' },
        { id: '3', timestamp: 3, message: 12 },
        { id: '4', timestamp: 4 },
        'x',
      ],
    });
    expect(results).toEqual([
      {
        reason: 'NOT_JSON',
        detail: expect.stringMatching(
          /^logEvents\[0\]: message is not valid JSON \(26 characters; truncated\?\): /,
        ) as unknown,
      },
      {
        reason: 'NOT_AUDIT_EVENT',
        detail:
          "logEvents[1]: message: expected an audit.k8s.io Event (kind 'Event', or auditID and verb), got keys 'level', 'msg'",
      },
      {
        reason: 'WRONG_TYPE',
        detail:
          'logEvents[2]: message: expected a string holding audit Event JSON, got a number',
      },
      {
        reason: 'MISSING_FIELD',
        detail: 'logEvents[3]: message: required, the audit Event JSON',
      },
      {
        reason: 'WRONG_TYPE',
        detail: 'logEvents[4]: expected an object, got a string',
      },
    ]);
    expect(
      rejection(expandRecord({ ...payload, messageType: 'OTHER' })),
    ).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail:
        "messageType: expected 'DATA_MESSAGE' or 'CONTROL_MESSAGE', got 'OTHER'",
    });
  });
});
