import { Alert, Severity } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  alertJson,
  encodeNativeJson,
  NATIVE_SCHEMA,
} from '../../src/encodings/index.js';
import { sampleAlert, sampleNotification } from '../sinks/support/fixtures.js';

describe('native JSON encoding', () => {
  it('wraps the alert with the notification id, change and repeat count', () => {
    const payload = encodeNativeJson({
      ...sampleNotification('updated'),
      repeats: 3,
    });
    expect(payload['schema']).toBe(NATIVE_SCHEMA);
    expect(payload['schema']).toBe('kubeguard.notification.v1');
    expect(payload['id']).toBe('sink-a:alt-7f3a:updated');
    expect(payload['change']).toBe('updated');
    expect(payload['repeats']).toBe(3);
  });

  it('counts a single notification as one repeat', () => {
    expect(encodeNativeJson(sampleNotification())['repeats']).toBe(1);
  });

  it('writes the alert camelCase, enums by name, times as ISO strings', () => {
    const json = alertJson(sampleAlert());
    expect(json).toMatchObject({
      alertId: 'alt-7f3a',
      fingerprint: 'fp-91c2',
      ruleId: 'pod-exec-kube-system',
      alertType: 'K8S_ExecInKubeSystemPod',
      title: 'Exec into kube-system/etcd-0 by alice@example.com',
      description: 'A person ran a command inside a kube-system pod.',
      severity: 'SEVERITY_HIGH',
      mitreTactics: ['TA0002'],
      mitreTechniques: ['T1609'],
      cluster: 'prod-east',
      actor: {
        username: 'alice@example.com',
        groups: ['system:authenticated', 'sre'],
        sourceIps: ['203.0.113.7', '10.0.0.4'],
        userAgent: 'kubectl/v1.30.1 (linux/amd64)',
        impersonatedUsername: '',
      },
      target: {
        verb: 'create',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'kube-system',
        name: 'etcd-0',
        apiGroup: '',
      },
      workload: {
        images: ['registry.k8s.io/etcd:3.5.12-0'],
        privileged: true,
        hostPaths: ['/var/lib/etcd'],
        serviceAccount: 'default',
      },
      evidence: {
        auditIds: ['audit-1', 'audit-2'],
        firstSeen: '2025-03-01T10:00:00.000Z',
        lastSeen: '2025-03-01T10:05:00.000Z',
        count: 2,
        matched: { user: 'alice@example.com' },
      },
      remediation: [
        'Check why the person needed a shell in a system pod.',
        'Remove pods/exec from their roles if not needed.',
      ],
      status: 'ALERT_STATUS_NEW',
      createdAt: '2025-03-01T10:00:01.000Z',
      updatedAt: '2025-03-01T10:05:01.500Z',
      outcome: 'OUTCOME_ALLOWED',
    });
  });

  it('keeps every field of an empty alert, with empty values', () => {
    const json = alertJson(Alert.fromPartial({ alertId: 'a-1' }));
    expect(json).toMatchObject({
      alertId: 'a-1',
      fingerprint: '',
      title: '',
      severity: 'SEVERITY_UNSPECIFIED',
      status: 'ALERT_STATUS_UNSPECIFIED',
      outcome: 'OUTCOME_UNSPECIFIED',
      mitreTactics: [],
      remediation: [],
      cluster: '',
      actor: {
        username: '',
        groups: [],
        sourceIps: [],
        userAgent: '',
        impersonatedUsername: '',
      },
      target: {
        verb: '',
        resource: '',
        subresource: '',
        namespace: '',
        name: '',
        apiGroup: '',
      },
      workload: {
        images: [],
        privileged: false,
        hostPaths: [],
        serviceAccount: '',
      },
      evidence: {
        auditIds: [],
        firstSeen: null,
        lastSeen: null,
        count: 0,
        matched: {},
      },
      createdAt: null,
      updatedAt: null,
    });
  });

  it('carries every field of the contract but the change history', () => {
    const json = alertJson(sampleAlert());
    const fields = Object.keys(Alert.fromPartial({})).filter(
      key => key !== 'history',
    );
    expect(Object.keys(json)).toEqual(fields);
    expect(json).not.toHaveProperty('history');
  });

  it('fills a partly set nested message with the missing fields', () => {
    const json = alertJson(
      Alert.fromPartial({
        severity: Severity.LOW,
        actor: { username: 'bob' },
      }),
    );
    expect(json['severity']).toBe('SEVERITY_LOW');
    expect(json['actor']).toEqual({
      username: 'bob',
      groups: [],
      sourceIps: [],
      userAgent: '',
      impersonatedUsername: '',
    });
  });
});
