import { Alert, AlertStatus, Severity } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  encodeOcsf,
  ocsfAttacks,
  OCSF_VERSION,
} from '../../src/encodings/index.js';
import { sampleAlert, sampleNotification } from '../sinks/support/fixtures.js';
import { CONTEXT } from './context.js';

const actor = {
  user: {
    name: 'alice@example.com',
    groups: [{ name: 'system:authenticated' }, { name: 'sre' }],
  },
};

describe('OCSF Detection Finding encoding', () => {
  it('maps a new alert field by field', () => {
    expect(encodeOcsf(sampleNotification('created'), CONTEXT)).toEqual({
      activity_id: 1,
      activity_name: 'Create',
      category_uid: 2,
      category_name: 'Findings',
      class_uid: 2004,
      class_name: 'Detection Finding',
      type_uid: 200401,
      type_name: 'Detection Finding: Create',
      severity_id: 4,
      severity: 'High',
      status_id: 1,
      status: 'New',
      time: Date.parse('2025-03-01T10:05:01.500Z'),
      start_time: Date.parse('2025-03-01T10:00:00.000Z'),
      end_time: Date.parse('2025-03-01T10:05:00.000Z'),
      count: 2,
      message: 'Exec into kube-system/etcd-0 by alice@example.com',
      is_alert: true,
      metadata: {
        version: '1.5.0',
        uid: 'sink-a:alt-7f3a:created',
        correlation_uid: 'fp-91c2',
        event_code: 'K8S_ExecInKubeSystemPod',
        product: {
          name: 'Kubeguard',
          vendor_name: 'Kubeguard',
          version: '9.9.9',
        },
      },
      finding_info: {
        uid: 'alt-7f3a',
        title: 'Exec into kube-system/etcd-0 by alice@example.com',
        desc: 'A person ran a command inside a kube-system pod.',
        types: ['K8S_ExecInKubeSystemPod'],
        analytic: {
          uid: 'pod-exec-kube-system',
          name: 'K8S_ExecInKubeSystemPod',
          type_id: 1,
          type: 'Rule',
        },
        attacks: [
          {
            tactic: { uid: 'TA0002', name: 'Execution' },
            technique: { uid: 'T1609' },
          },
        ],
        created_time: Date.parse('2025-03-01T10:00:01.000Z'),
        modified_time: Date.parse('2025-03-01T10:05:01.500Z'),
        first_seen_time: Date.parse('2025-03-01T10:00:00.000Z'),
        last_seen_time: Date.parse('2025-03-01T10:05:00.000Z'),
      },
      actor,
      resources: [
        { type: 'cluster', uid: 'prod-east', name: 'prod-east' },
        {
          type: 'pods',
          name: 'kube-system/etcd-0',
          group: 'kube-system',
          data: {
            subresource: 'exec',
            namespace: 'kube-system',
            name: 'etcd-0',
          },
        },
      ],
      evidences: ['audit-1', 'audit-2'].map(uid => ({
        uid,
        name: 'kubernetes.audit.event',
        actor,
        src_endpoint: { ip: '203.0.113.7' },
        http_request: { user_agent: 'kubectl/v1.30.1 (linux/amd64)' },
        api: {
          operation: 'create',
          service: { name: 'kube-apiserver' },
          request: { uid },
        },
      })),
      remediation: {
        desc: 'Check why the person needed a shell in a system pod.\nRemove pods/exec from their roles if not needed.',
      },
      unmapped: {
        change: 'created',
        fingerprint: 'fp-91c2',
        outcome: 'allowed',
        workload: {
          images: ['registry.k8s.io/etcd:3.5.12-0'],
          privileged: true,
          host_paths: ['/var/lib/etcd'],
          service_account: 'default',
        },
        matched: { user: 'alice@example.com' },
      },
    });
    expect(OCSF_VERSION).toBe('1.5.0');
  });

  it.each([
    ['created', AlertStatus.NEW, 1, 'Create', 1, 'New', true],
    ['test', AlertStatus.NEW, 1, 'Create', 1, 'New', true],
    ['updated', AlertStatus.IN_PROGRESS, 2, 'Update', 2, 'In Progress', true],
    ['reopened', AlertStatus.NEW, 2, 'Update', 1, 'New', true],
    ['resolved', AlertStatus.RESOLVED, 3, 'Close', 4, 'Resolved', false],
    ['updated', AlertStatus.DISMISSED, 3, 'Close', 3, 'Suppressed', false],
  ] as const)(
    'change %s of a %s alert is activity %i %s, status %i %s',
    (
      change,
      status,
      activityId,
      activityName,
      statusId,
      statusName,
      isAlert,
    ) => {
      const finding = encodeOcsf(
        sampleNotification(change, sampleAlert({ status })),
        CONTEXT,
      );
      expect(finding['activity_id']).toBe(activityId);
      expect(finding['activity_name']).toBe(activityName);
      expect(finding['type_uid']).toBe(200400 + activityId);
      expect(finding['status_id']).toBe(statusId);
      expect(finding['status']).toBe(statusName);
      expect(finding['is_alert']).toBe(isAlert);
    },
  );

  it.each([
    [Severity.INFO, 1, 'Informational'],
    [Severity.LOW, 2, 'Low'],
    [Severity.MEDIUM, 3, 'Medium'],
    [Severity.HIGH, 4, 'High'],
    [Severity.CRITICAL, 5, 'Critical'],
    [Severity.UNSPECIFIED, 0, 'Unknown'],
  ])('severity %i is severity_id %i %s', (severity, id, name) => {
    const finding = encodeOcsf(
      sampleNotification('created', sampleAlert({ severity })),
      CONTEXT,
    );
    expect(finding['severity_id']).toBe(id);
    expect(finding['severity']).toBe(name);
  });

  it('marks a suppressed alert Suppressed', () => {
    const finding = encodeOcsf(
      sampleNotification('updated', sampleAlert({ suppressed: true })),
      CONTEXT,
    );
    expect(finding['status_id']).toBe(3);
    expect(finding['status']).toBe('Suppressed');
  });

  it('uses the context time and leaves out absent facts for a bare alert', () => {
    const finding = encodeOcsf(
      {
        id: 'n-1',
        change: 'created',
        alert: Alert.fromPartial({
          alertId: 'a-1',
          ruleId: 'r-1',
          title: 'T',
        }),
      },
      CONTEXT,
    );
    expect(finding['time']).toBe(CONTEXT.now.getTime());
    expect(finding['finding_info']).toEqual({
      uid: 'a-1',
      title: 'T',
      analytic: { uid: 'r-1', name: 'r-1', type_id: 1, type: 'Rule' },
    });
    for (const absent of [
      'actor',
      'resources',
      'evidences',
      'remediation',
      'start_time',
      'count',
    ]) {
      expect(finding).not.toHaveProperty(absent);
    }
    expect(finding['unmapped']).toEqual({
      change: 'created',
      outcome: 'unknown',
    });
  });

  describe('ATT&CK objects', () => {
    const attacks = (tactics: string[], techniques: string[]) =>
      ocsfAttacks(
        Alert.fromPartial({
          mitreTactics: tactics,
          mitreTechniques: techniques,
        }),
      );

    it('splits a sub-technique into technique and sub_technique', () => {
      expect(attacks(['TA0006'], ['T1552.007'])).toEqual([
        {
          tactic: { uid: 'TA0006', name: 'Credential Access' },
          technique: { uid: 'T1552' },
          sub_technique: { uid: 'T1552.007' },
        },
      ]);
    });

    it('pairs one technique with each of several tactics', () => {
      expect(attacks(['TA0004', 'TA0005'], ['T1611'])).toEqual([
        {
          tactic: { uid: 'TA0004', name: 'Privilege Escalation' },
          technique: { uid: 'T1611' },
        },
        {
          tactic: { uid: 'TA0005', name: 'Defense Evasion' },
          technique: { uid: 'T1611' },
        },
      ]);
    });

    it('does not invent pairs when there are several of both', () => {
      expect(attacks(['TA0004', 'TA0003'], ['T1611', 'T1098'])).toEqual([
        { tactic: { uid: 'TA0004', name: 'Privilege Escalation' } },
        { tactic: { uid: 'TA0003', name: 'Persistence' } },
        { technique: { uid: 'T1611' } },
        { technique: { uid: 'T1098' } },
      ]);
    });

    it('keeps tactics alone and an unknown tactic without a name', () => {
      expect(attacks(['TA0099'], [])).toEqual([{ tactic: { uid: 'TA0099' } }]);
      expect(attacks([], [])).toEqual([]);
    });
  });
});
