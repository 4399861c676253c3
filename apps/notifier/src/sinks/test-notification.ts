import { Alert, AlertStatus, Outcome, Severity } from '@kubeguard/contracts';

import type { Notification } from './sink.js';

/** Rule id of test alerts, so receivers can filter them out. */
export const TEST_RULE_ID = 'kubeguard-test-alert';

/**
 * A clearly marked test alert for "send a test alert" to one sink: change
 * `test`, rule `kubeguard-test-alert`, type `K8S_KubeguardTestAlert`, a
 * title starting with `[TEST]`, cluster `kubeguard-test`. Routing filters
 * let test notifications through, so the sink gets it whatever it filters.
 */
export function testNotification(
  sinkId: string,
  now: Date = new Date(),
): Notification {
  const stamp = now.getTime();
  const alertId = `test-${sinkId}-${String(stamp)}`;
  return {
    id: `test:${sinkId}:${String(stamp)}`,
    change: 'test',
    alert: Alert.fromPartial({
      alertId,
      fingerprint: alertId,
      ruleId: TEST_RULE_ID,
      alertType: 'K8S_KubeguardTestAlert',
      title: '[TEST] Kubeguard test alert: please ignore',
      description: `A test notification sent by Kubeguard to check the sink '${sinkId}'. It does not describe anything that happened in a cluster.`,
      severity: Severity.INFO,
      cluster: 'kubeguard-test',
      actor: {
        username: 'kubeguard-test',
        groups: [],
        sourceIps: ['127.0.0.1'],
        userAgent: 'kubeguard-notifier',
      },
      target: {
        verb: 'get',
        resource: 'pods',
        namespace: 'default',
        name: 'kubeguard-test',
      },
      evidence: { auditIds: [], firstSeen: now, lastSeen: now, count: 1 },
      remediation: ['Nothing to do: this is a test.'],
      status: AlertStatus.NEW,
      outcome: Outcome.ALLOWED,
      createdAt: now,
      updatedAt: now,
    }),
  };
}
