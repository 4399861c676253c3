import { describe, expect, it } from 'vitest';

import { expandRecord } from '../../src/formats/index.js';
import {
  field,
  fixture,
  fixtureObject,
  fixtureText,
  rejection,
  single,
} from './fixtures.js';

function withPayload(
  path: string,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const entry = fixtureObject(path);
  const payload = entry['protoPayload'] as Record<string, unknown>;
  return { ...entry, protoPayload: { ...payload, ...changes } };
}

describe('GKE Cloud Logging entries', () => {
  it('rebuilds a pod create, marking what GKE does not log', () => {
    const { event, format, inferred } = single(
      expandRecord(fixture('gke/pod-create.json')),
    );
    expect(format).toBe('gke-cloud-logging');
    expect(inferred).toEqual([
      'responseStatus.code',
      'level',
      'stage',
      'requestURI',
      'user.groups',
      'stageTimestamp',
    ]);
    expect(event['kind']).toBe('Event');
    expect(event['apiVersion']).toBe('audit.k8s.io/v1');
    expect(event['auditID']).toBe('7e1c4b2a-93d0-4f6e-b5a8-2c9d0e1f3a4b');
    expect(event['stage']).toBe('ResponseComplete');
    expect(event['level']).toBe('RequestResponse');
    expect(event['verb']).toBe('create');
    // A create is POSTed to the collection.
    expect(event['requestURI']).toBe('/api/v1/namespaces/default/pods');
    expect(event['user']).toEqual({
      username: 'alice@example.com',
      groups: [],
    });
    expect(event['sourceIPs']).toEqual(['198.51.100.7']);
    expect(event['userAgent']).toBe(
      'kubectl/v1.30.4 (linux/amd64) kubernetes/a51b3b7',
    );
    expect(event['objectRef']).toEqual({
      resource: 'pods',
      namespace: 'default',
      name: 'nginx',
      apiVersion: 'v1',
    });
    expect(event['responseStatus']).toEqual({ code: 200 });
    const request = field(event, 'requestObject');
    expect(request['@type']).toBeUndefined();
    expect(request['kind']).toBe('Pod');
    expect(field(event, 'responseObject')['@type']).toBeUndefined();
    expect(event['requestReceivedTimestamp']).toBe(
      '2026-11-20T12:00:00.204817Z',
    );
    expect(event['stageTimestamp']).toBe('2026-11-20T12:00:00.204817Z');
    expect(event['annotations']).toEqual({
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason': 'access granted by IAM permissions.',
      'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
      'kubeguard.io/inferred-responseStatus.code': 'true',
      'kubeguard.io/inferred-level': 'true',
      'kubeguard.io/inferred-stage': 'true',
      'kubeguard.io/inferred-requestURI': 'true',
      'kubeguard.io/inferred-user.groups': 'true',
      'kubeguard.io/inferred-stageTimestamp': 'true',
    });
  });

  it('rebuilds pods/exec with the subresource and a 101 upgrade', () => {
    const { event } = single(expandRecord(fixture('gke/pods-exec.json')));
    expect(event['verb']).toBe('create');
    expect(event['objectRef']).toEqual({
      resource: 'pods',
      namespace: 'default',
      name: 'nginx',
      apiVersion: 'v1',
      subresource: 'exec',
    });
    expect(event['requestURI']).toBe(
      '/api/v1/namespaces/default/pods/nginx/exec',
    );
    expect(event['responseStatus']).toEqual({ code: 101 });
    expect(event['level']).toBe('Metadata');
    expect(field(event, 'user')['username']).toBe('bob@example.com');
  });

  it('maps a PERMISSION_DENIED status to 403 and infers the forbid decision', () => {
    const { event, inferred } = single(
      expandRecord(fixture('gke/denied-list-secrets.json')),
    );
    expect(event['verb']).toBe('list');
    expect(event['requestURI']).toBe('/api/v1/namespaces/kube-system/secrets');
    expect(event['objectRef']).toEqual({
      resource: 'secrets',
      namespace: 'kube-system',
      apiVersion: 'v1',
    });
    expect(event['responseStatus']).toEqual({
      code: 403,
      status: 'Failure',
      reason: 'Forbidden',
      message: 'PERMISSION_DENIED',
    });
    expect(field(event, 'user')['username']).toBe(
      'system:serviceaccount:shop:api',
    );
    expect(field(event, 'annotations')['authorization.k8s.io/decision']).toBe(
      'forbid',
    );
    expect(inferred).toEqual(
      expect.arrayContaining([
        'responseStatus.code',
        'responseStatus.reason',
        'annotations.authorization.k8s.io/decision',
      ]) as unknown,
    );
    expect(
      field(event, 'annotations')[
        'kubeguard.io/inferred-annotations.authorization.k8s.io/decision'
      ],
    ).toBe('true');
  });

  it('takes the status from a Kubernetes Status response, not inferred', () => {
    const entry = withPayload('gke/denied-list-secrets.json', {
      response: {
        '@type': 'core.k8s.io/v1.Status',
        apiVersion: 'v1',
        kind: 'Status',
        code: 403,
        status: 'Failure',
        reason: 'Forbidden',
        message:
          'secrets is forbidden: User "system:serviceaccount:shop:api" cannot list resource "secrets"',
        metadata: {},
      },
    });
    const { event, inferred } = single(expandRecord(entry));
    expect(event['responseStatus']).toEqual({
      code: 403,
      status: 'Failure',
      reason: 'Forbidden',
      message:
        'secrets is forbidden: User "system:serviceaccount:shop:api" cannot list resource "secrets"',
    });
    expect(inferred).not.toContain('responseStatus.code');
  });

  it('rebuilds an anonymous get of a cluster-scoped RBAC object', () => {
    const { event } = single(expandRecord(fixture('gke/anonymous-get.json')));
    expect(event['verb']).toBe('get');
    expect(event['user']).toEqual({ username: 'system:anonymous', groups: [] });
    expect(event['objectRef']).toEqual({
      resource: 'clusterrolebindings',
      name: 'cluster-admin',
      apiGroup: 'rbac.authorization.k8s.io',
      apiVersion: 'v1',
    });
    expect(event['requestURI']).toBe(
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin',
    );
    expect(event['sourceIPs']).toEqual(['203.0.113.9']);
    expect(event['responseStatus']).toEqual({ code: 200 });
  });

  it('falls back to insertId for the audit ID, and reads a started long-running request', () => {
    const entry = fixtureObject('gke/pods-exec.json');
    const { event, inferred } = single(
      expandRecord({
        ...entry,
        operation: { id: '', producer: 'k8s.io', first: true },
      }),
    );
    expect(event['auditID']).toBe('c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f');
    expect(inferred).toContain('auditID');
    expect(event['stage']).toBe('ResponseStarted');
  });

  it('merges string values of protoPayload.metadata into the annotations', () => {
    const entry = withPayload('gke/anonymous-get.json', {
      metadata: { '@type': 'x', 'example.io/note': 'hello', count: 3 },
    });
    const annotations = field(single(expandRecord(entry)).event, 'annotations');
    expect(annotations['example.io/note']).toBe('hello');
    expect(annotations['count']).toBeUndefined();
    expect(annotations['@type']).toBeUndefined();
  });

  it('unwraps a Pub/Sub push message and a gcloud JSON array', () => {
    const data = Buffer.from(fixtureText('gke/pod-create.json')).toString(
      'base64',
    );
    const pushed = single(
      expandRecord({
        message: { data, messageId: '1', publishTime: '2026-11-20T12:00:08Z' },
        subscription: 'projects/shop-prod-4821/subscriptions/kubeguard',
      }),
    );
    expect(pushed).toEqual(
      single(expandRecord(fixture('gke/pod-create.json'))),
    );
    const results = expandRecord([
      fixture('gke/pod-create.json'),
      fixture('gke/pods-exec.json'),
    ]);
    expect(results.map(r => ('event' in r ? r.event['auditID'] : r))).toEqual([
      '7e1c4b2a-93d0-4f6e-b5a8-2c9d0e1f3a4b',
      'c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f',
    ]);
  });

  it('rejects a Pub/Sub message whose data is not a LogEntry', () => {
    const data = Buffer.from('{"hello":"world"}').toString('base64');
    expect(rejection(expandRecord({ message: { data } }))).toEqual({
      reason: 'NOT_AUDIT_EVENT',
      detail:
        "message.data: expected a Cloud Logging LogEntry, got keys 'hello'",
    });
    expect(
      rejection(expandRecord({ message: { data: 'bm90IGpzb24=' } })),
    ).toMatchObject({ reason: 'NOT_JSON' });
  });

  it('skips entries that are not Kubernetes API audit entries', () => {
    expect(
      expandRecord(
        withPayload('gke/pod-create.json', {
          serviceName: 'container.googleapis.com',
          methodName: 'google.container.v1.ClusterManager.UpdateCluster',
        }),
      ),
    ).toEqual([
      {
        skip: "audit entry of service 'container.googleapis.com' is not a Kubernetes API request (serviceName 'k8s.io')",
      },
    ]);
    expect(
      expandRecord({
        logName: 'projects/p/logs/stdout',
        textPayload: 'hello',
      }),
    ).toEqual([
      { skip: 'LogEntry with a textPayload is not a Cloud Audit Logs entry' },
    ]);
  });

  it('rejects entries without a verb or with mistyped fields', () => {
    expect(
      rejection(
        expandRecord(
          withPayload('gke/pod-create.json', {
            methodName: undefined,
            authorizationInfo: [],
          }),
        ),
      ),
    ).toEqual({
      reason: 'MISSING_FIELD',
      detail: 'protoPayload.methodName: required, it names the verb',
    });
    expect(
      rejection(
        expandRecord(withPayload('gke/pod-create.json', { resourceName: 5 })),
      ),
    ).toEqual({
      reason: 'WRONG_TYPE',
      detail: 'protoPayload.resourceName: expected a string, got a number',
    });
    expect(rejection(expandRecord({ protoPayload: [] }))).toEqual({
      reason: 'WRONG_TYPE',
      detail: 'protoPayload: expected an object, got an array',
    });
  });

  it('takes the verb from authorizationInfo when methodName is missing', () => {
    const { event, inferred } = single(
      expandRecord(
        withPayload('gke/pod-create.json', { methodName: undefined }),
      ),
    );
    expect(event['verb']).toBe('create');
    expect(inferred).toContain('verb');
  });
});
