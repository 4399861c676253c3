import { AlertStatus, Severity } from '@kubeguard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TEST_RULE_ID, testNotification } from '../../src/sinks/index.js';
import {
  jsonBody,
  startHttpReceiver,
  type HttpReceiver,
} from './support/http-receiver.js';
import { buildSink } from './support/sinks.js';

const AT = new Date('2025-03-01T12:34:56.789Z');

let receiver: HttpReceiver;

beforeAll(async () => {
  receiver = await startHttpReceiver();
});
afterAll(() => receiver.close());

describe('test notification', () => {
  it('is a clearly marked test alert for one sink', () => {
    const notification = testNotification('slack-secops', AT);
    expect(notification.id).toBe(`test:slack-secops:${String(AT.getTime())}`);
    expect(notification.change).toBe('test');
    expect(notification.alert).toMatchObject({
      alertId: `test-slack-secops-${String(AT.getTime())}`,
      ruleId: TEST_RULE_ID,
      alertType: 'K8S_KubeguardTestAlert',
      title: '[TEST] Kubeguard test alert: please ignore',
      severity: Severity.INFO,
      status: AlertStatus.NEW,
      cluster: 'kubeguard-test',
      createdAt: AT,
      updatedAt: AT,
    });
    expect(notification.alert.description).toContain(
      "check the sink 'slack-secops'",
    );
  });

  it('reaches a sink whatever its filters', async () => {
    const sink = buildSink({
      id: 'critical-only',
      kind: 'webhook',
      url: receiver.url,
      minSeverity: 'critical',
      clusters: ['prod-*'],
    });
    const notification = testNotification('critical-only', AT);
    expect(sink.accepts(notification)).toBe(true);
    await sink.send([notification]);
    expect(jsonBody(receiver.requests[0])).toMatchObject({
      id: notification.id,
      change: 'test',
      alert: {
        ruleId: 'kubeguard-test-alert',
        title: '[TEST] Kubeguard test alert: please ignore',
      },
    });
  });
});
