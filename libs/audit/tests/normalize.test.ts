import { readFileSync } from 'node:fs';

import {
  AddressClass,
  AdmissionController,
  IdentityClass,
  Outcome,
  type AuditEvent,
} from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  isRejection,
  normalizeK8sEvent,
  parseMicros,
  REDACTED,
  splitPayload,
  type Rejection,
} from '../src/index.js';

const fixture = (name: string): string =>
  readFileSync(
    new URL(`../../../fixtures/k8s-audit/${name}`, import.meta.url),
    'utf8',
  );
const context = { cluster: 'prod', rawBatchId: 'batch-1', index: 0 };

function normalized(value: unknown): AuditEvent {
  const result = normalizeK8sEvent(value, context);
  if (isRejection(result)) {
    throw new Error(`unexpected rejection: ${result.detail}`);
  }
  return result;
}

function rejected(value: unknown): Rejection {
  const result = normalizeK8sEvent(value, context);
  if (!isRejection(result)) {
    throw new Error('expected a rejection');
  }
  return result;
}

describe('splitPayload', () => {
  it('yields the items of an EventList in order', () => {
    const records = splitPayload(
      fixture('eventlist-anonymous-and-ordinary.json'),
    );
    expect(
      records.map(r =>
        'value' in r ? (r.value as { auditID: string }).auditID : 'x',
      ),
    ).toEqual([
      '6f1c5f8e-2f4b-4bb0-9f57-0a3f1f2b7d01',
      '0c9a7d4e-81b3-4c5e-a3c2-5b8e2d6f9a12',
    ]);
  });

  it('reads JSON lines and rejects only the broken line', () => {
    const a = JSON.stringify(
      JSON.parse(fixture('anonymous-list-secrets.json')),
    );
    const records = splitPayload(`${a}\n{"auditID": "trunc\n${a}\n`);
    expect(records).toHaveLength(3);
    expect('value' in records[0]!).toBe(true);
    expect(records[1]).toMatchObject({
      index: 1,
      rejection: { reason: 'NOT_JSON' },
    });
    expect('value' in records[2]!).toBe(true);
  });

  it('rejects an empty payload and an EventList without an items array', () => {
    expect(splitPayload('  ')).toEqual([
      {
        index: 0,
        rejection: { reason: 'NOT_JSON', detail: 'the payload is empty' },
        raw: '',
      },
    ]);
    expect(splitPayload('{"kind":"EventList","items":{}}')[0]).toMatchObject({
      rejection: {
        reason: 'WRONG_TYPE',
        detail: 'EventList.items: expected an array',
      },
    });
  });
});

describe('normalizeK8sEvent', () => {
  it('maps an audit.k8s.io/v1 event with identity, outcome and client views', () => {
    const event = normalized(
      JSON.parse(fixture('anonymous-list-secrets.json')),
    );
    expect(event).toMatchObject({
      auditId: '6f1c5f8e-2f4b-4bb0-9f57-0a3f1f2b7d01',
      cluster: 'prod',
      stage: 'ResponseComplete',
      verb: 'list',
      requestUri: '/api/v1/namespaces/default/secrets',
      objectRef: { resource: 'secrets', namespace: 'default' },
      user: {
        username: 'system:anonymous',
        groups: ['system:unauthenticated'],
      },
      responseStatus: { code: 200 },
      requestReceivedUnixMicros:
        Date.UTC(2026, 10, 20, 9, 15, 2, 104) * 1000 + 512,
      sourceFormat: 'k8s-audit-v1',
      origin: { rawBatchId: 'batch-1', index: 0 },
      redacted: false,
      derived: {
        identity: { class: IdentityClass.ANONYMOUS },
        outcome: Outcome.ALLOWED,
        client: { ip: '203.0.113.45', class: AddressClass.PUBLIC },
      },
    });
  });

  it('reads v1beta1, names the service account, and redacts Secret values but keeps the keys', () => {
    const event = normalized(JSON.parse(fixture('create-secret-v1beta1.json')));
    expect(event.sourceFormat).toBe('k8s-audit-v1beta1');
    expect(event.derived?.identity).toMatchObject({
      class: IdentityClass.SERVICE_ACCOUNT,
      serviceAccountNamespace: 'ci',
      serviceAccountName: 'deployer',
    });
    expect(event.derived?.client).toEqual({
      ip: '10.1.2.3',
      class: AddressClass.PRIVATE,
    });
    expect(event.redacted).toBe(true);
    const request = JSON.parse(event.requestObjectJson.toString()) as Record<
      string,
      Record<string, string>
    >;
    expect(request['data']).toEqual({ username: REDACTED, password: REDACTED });
    expect(request['stringData']).toEqual({ url: REDACTED });
    const all =
      event.requestObjectJson.toString() + event.responseObjectJson.toString();
    expect(all).not.toContain('aHVudGVyMg==');
    expect(all).not.toContain('hunter2');
  });

  it('marks forbidden requests denied and server errors failed', () => {
    const base = JSON.parse(fixture('ordinary-get-pod.json')) as Record<
      string,
      unknown
    >;
    const forbidden = normalized({
      ...base,
      responseStatus: { code: 403 },
      annotations: { 'authorization.k8s.io/decision': 'forbid' },
    });
    expect(forbidden.derived?.outcome).toBe(Outcome.DENIED);
    expect(
      normalized({ ...base, responseStatus: { code: 500 } }).derived?.outcome,
    ).toBe(Outcome.FAILED);
    expect(
      normalized({ ...base, responseStatus: undefined }).derived?.outcome,
    ).toBe(Outcome.UNSPECIFIED);
  });

  it('sets no object, exec or admission view on a read', () => {
    const event = normalized(JSON.parse(fixture('ordinary-get-pod.json')));
    expect(event.derived).toMatchObject({
      podSpecs: [],
      exec: undefined,
      admissionRejected: false,
      admissionController: AdmissionController.UNSPECIFIED,
      admissionPolicy: '',
      admissionReason: '',
      role: undefined,
      roleBinding: undefined,
      service: undefined,
      ingress: undefined,
    });
  });

  it('redacts credentials in annotation values and says so', () => {
    const base = JSON.parse(fixture('ordinary-get-pod.json')) as Record<
      string,
      unknown
    >;
    const event = normalized({
      ...base,
      annotations: {
        'authorization.k8s.io/decision': 'allow',
        'example.com/debug':
          'curl -H "Authorization: Bearer eyJhbGciOi.abc.def"',
      },
    });
    expect(event.redacted).toBe(true);
    expect(event.annotations['example.com/debug']).not.toContain('eyJhbGciOi');
    expect(event.annotations['authorization.k8s.io/decision']).toBe('allow');
  });

  it('rejects input that is not an audit event, with the field named', () => {
    expect(rejected('hello')).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail: 'expected an audit Event object, got a string',
    });
    expect(rejected({ kind: 'Pod', apiVersion: 'v1' })).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail: "apiVersion: expected audit.k8s.io/v1 or v1beta1, got 'v1'",
    });
    expect(rejected({ verb: 'get' })).toEqual({
      reason: 'MISSING_FIELD',
      detail: 'auditID: required, a non-empty string',
    });
    expect(rejected({ auditID: 'a1', verb: 'get', user: 'root' })).toEqual({
      reason: 'WRONG_TYPE',
      detail: "user: expected an object, got a string in event 'a1'",
    });
  });
});

describe('parseMicros', () => {
  it('keeps microseconds and rejects junk', () => {
    expect(parseMicros('1970-01-01T00:00:01.000002Z')).toBe(1_000_002);
    expect(parseMicros('1970-01-01T00:00:01Z')).toBe(1_000_000);
    expect(parseMicros('yesterday')).toBeUndefined();
    expect(parseMicros(5)).toBeUndefined();
  });
});
