import { Alert, AlertStatus, Outcome, Severity } from '@kubeguard/contracts';

import type { Notification } from '../../../src/sinks/sink.js';

/** First and last seen of the sample alert. */
export const FIRST_SEEN = new Date('2025-03-01T10:00:00.000Z');
export const LAST_SEEN = new Date('2025-03-01T10:05:00.000Z');
export const CREATED_AT = new Date('2025-03-01T10:00:01.000Z');
export const UPDATED_AT = new Date('2025-03-01T10:05:01.500Z');

/** A fully populated alert: exec into a kube-system pod. */
export function sampleAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    ...Alert.fromPartial({
      alertId: 'alt-7f3a',
      fingerprint: 'fp-91c2',
      ruleId: 'pod-exec-kube-system',
      alertType: 'K8S_ExecInKubeSystemPod',
      title: 'Exec into kube-system/etcd-0 by alice@example.com',
      description: 'A person ran a command inside a kube-system pod.',
      severity: Severity.HIGH,
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
        firstSeen: FIRST_SEEN,
        lastSeen: LAST_SEEN,
        count: 2,
        matched: { user: 'alice@example.com' },
      },
      remediation: [
        'Check why the person needed a shell in a system pod.',
        'Remove pods/exec from their roles if not needed.',
      ],
      status: AlertStatus.NEW,
      createdAt: CREATED_AT,
      updatedAt: UPDATED_AT,
      outcome: Outcome.ALLOWED,
    }),
    ...overrides,
  };
}

/** A notification of `alert` (default: the sample alert). */
export function sampleNotification(
  change: Notification['change'] = 'created',
  alert: Alert = sampleAlert(),
  id = `sink-a:${alert.alertId}:${change}`,
): Notification {
  return { id, change, alert };
}
