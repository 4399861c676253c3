import { describe, expect, it } from 'vitest';

import { expandRecord, isConverted } from '../../src/formats/index.js';
import {
  field,
  fixture,
  fixtureObject,
  rejection,
  single,
} from './fixtures.js';

const audit = (log: unknown): Record<string, unknown> => ({
  category: 'kube-audit',
  properties: { log, stream: 'stdout', pod: 'kube-apiserver-0' },
});

describe('AKS diagnostic records', () => {
  it('reads properties.log given as a JSON string', () => {
    const { event, format, inferred } = single(
      expandRecord(fixture('aks/kube-audit-log-string.json')),
    );
    expect(format).toBe('aks-diagnostic');
    expect(inferred).toEqual([]);
    expect(event['apiVersion']).toBe('audit.k8s.io/v1');
    expect(event['auditID']).toBe('3b0f6a52-7c1d-4e8a-9f21-5d6c7b8a9e01');
    expect(event['stage']).toBe('ResponseComplete');
    expect(event['level']).toBe('Metadata');
    expect(event['verb']).toBe('get');
    expect(event['requestURI']).toBe(
      '/api/v1/namespaces/payments/secrets/db-credentials',
    );
    expect(event['user']).toEqual({
      username: 'alice@contoso.example',
      groups: ['3f2a1b0c-aaaa-4bbb-8ccc-0d1e2f3a4b5c', 'system:authenticated'],
      extra: { oid: ['6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d'] },
    });
    expect(event['sourceIPs']).toEqual(['198.51.100.23']);
    expect(event['objectRef']).toEqual({
      resource: 'secrets',
      namespace: 'payments',
      name: 'db-credentials',
      apiVersion: 'v1',
    });
    expect(field(event, 'responseStatus')['code']).toBe(200);
    expect(event['requestReceivedTimestamp']).toBe(
      '2026-11-20T10:02:11.412345Z',
    );
    expect(field(event, 'annotations')).toEqual({
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason':
        'RBAC: allowed by RoleBinding "payments-admins/payments" of ClusterRole "admin" to Group "3f2a1b0c-aaaa-4bbb-8ccc-0d1e2f3a4b5c"',
    });
  });

  it('reads properties.log given as an object, with Log Analytics capitalised keys', () => {
    const input = fixtureObject('aks/kube-audit-admin-log-object.json');
    const { event, format, inferred } = single(expandRecord(input));
    expect(format).toBe('aks-diagnostic');
    expect(inferred).toEqual([]);
    expect(event['auditID']).toBe('8d2e4f60-1a3b-4c5d-8e7f-9a0b1c2d3e4f');
    expect(event['verb']).toBe('create');
    expect(event['objectRef']).toEqual({
      resource: 'clusterrolebindings',
      name: 'ci-cluster-admin',
      apiGroup: 'rbac.authorization.k8s.io',
      apiVersion: 'v1',
    });
    expect(field(event, 'user')['username']).toBe(
      'system:serviceaccount:ci:deployer',
    );
    expect(field(event, 'responseStatus')['code']).toBe(201);
    expect(field(event, 'requestObject')['roleRef']).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'cluster-admin',
    });
    // The input record is left as it was.
    expect(input).toEqual(fixture('aks/kube-audit-admin-log-object.json'));
  });

  it('expands an Event Hubs records wrapper, skipping non-audit categories in place', () => {
    const results = expandRecord(fixture('aks/event-hubs-records.json'));
    expect(results).toHaveLength(4);
    expect(
      results.map(r => (isConverted(r) ? [r.format, r.event['auditID']] : r)),
    ).toEqual([
      ['aks-diagnostic', 'f4e3d2c1-b0a9-4876-9543-210fedcba987'],
      {
        skip: "records[1]: AKS diagnostic category 'kube-apiserver' is not an audit log (kube-audit or kube-audit-admin)",
      },
      ['aks-diagnostic', '8d2e4f60-1a3b-4c5d-8e7f-9a0b1c2d3e4f'],
      {
        skip: "records[3]: AKS diagnostic category 'guard' is not an audit log (kube-audit or kube-audit-admin)",
      },
    ]);
  });

  it('reads the log_s column of the AzureDiagnostics table', () => {
    const log = (
      fixtureObject('aks/kube-audit-log-string.json')['properties'] as Record<
        string,
        unknown
      >
    )['log'];
    const { event } = single(
      expandRecord({ Category: 'kube-audit', log_s: log, pod_s: 'x' }),
    );
    expect(event['auditID']).toBe('3b0f6a52-7c1d-4e8a-9f21-5d6c7b8a9e01');
  });

  it('rejects a truncated properties.log as NOT_JSON, naming the field', () => {
    const full =
      (
        fixtureObject('aks/kube-audit-log-string.json')['properties'] as Record<
          string,
          string
        >
      )['log'] ?? '';
    const truncated = full.slice(0, 300);
    expect(rejection(expandRecord(audit(truncated)))).toMatchObject({
      reason: 'NOT_JSON',
      detail: expect.stringMatching(
        /^properties\.log is not valid JSON \(300 characters; truncated\?\): /,
      ) as unknown,
    });
    expect(
      rejection(expandRecord(audit('I1120 kube-apiserver started'))),
    ).toMatchObject({ reason: 'NOT_JSON' });
  });

  it('rejects a properties.log that parses but is not an audit Event', () => {
    expect(rejection(expandRecord(audit('{"hello":"world"}')))).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail:
        "properties.log: expected an audit.k8s.io Event (kind 'Event', or auditID and verb), got keys 'hello'",
    });
    expect(rejection(expandRecord(audit('[1]')))).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail:
        'properties.log: expected an audit.k8s.io Event object, got an array',
    });
  });

  it('rejects missing and mistyped fields', () => {
    expect(rejection(expandRecord({ category: 'kube-audit' }))).toEqual({
      reason: 'MISSING_FIELD',
      detail: 'properties.log: required in an AKS audit record',
    });
    expect(
      rejection(expandRecord({ category: 'kube-audit', properties: 'x' })),
    ).toEqual({
      reason: 'WRONG_TYPE',
      detail: 'properties: expected an object, got a string',
    });
    expect(rejection(expandRecord(audit(42)))).toEqual({
      reason: 'WRONG_TYPE',
      detail:
        'properties.log: expected a JSON string or an object, got a number',
    });
    expect(rejection(expandRecord({ category: 7 }))).toEqual({
      reason: 'WRONG_TYPE',
      detail: 'category: expected a string, got a number',
    });
    expect(rejection(expandRecord({ records: 5 }))).toEqual({
      reason: 'WRONG_TYPE',
      detail: 'records: expected an array, got a number',
    });
    expect(rejection(expandRecord({ records: [{ time: 'x' }] }))).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail:
        "records[0]: expected an AKS diagnostic record with a category, got keys 'time'",
    });
  });
});
