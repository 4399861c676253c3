import { Severity } from '@kubeguard/contracts';
import { z } from 'zod';

import {
  alertTime,
  isClosing,
  outcomeName,
  statusName,
  targetText,
} from '../../encodings/index.js';
import { commonFields, httpUrl, text, timeoutMs } from '../config-fields.js';
import type { ResolvedDeps } from '../deps.js';
import { createJsonPostSink } from '../json-post-sink.js';
import type { Notification, Sink } from '../sink.js';
import { truncate } from './message-facts.js';

/** PagerDuty's public Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** `kind: pagerduty` — PagerDuty Events API v2. */
export const pagerdutySchema = z.strictObject({
  ...commonFields,
  kind: z.literal('pagerduty'),
  /** The Events API URL (ends in /v2/enqueue). */
  url: httpUrl().default(PAGERDUTY_EVENTS_URL),
  /** The service integration key: give it as `${PAGERDUTY_ROUTING_KEY}`. */
  routingKey: text(),
  timeoutMs: timeoutMs(),
});

/** A validated PagerDuty sink configuration. */
export type PagerdutySinkConfig = z.infer<typeof pagerdutySchema>;

const PD_SEVERITY = new Map<Severity, string>([
  [Severity.CRITICAL, 'critical'],
  [Severity.HIGH, 'error'],
  [Severity.MEDIUM, 'warning'],
  [Severity.LOW, 'warning'],
  [Severity.INFO, 'info'],
]);

/**
 * The `dedup_key` of an alert: its id, the same for every notification of
 * the alert (created, updated, reopened, resolved), so a resolve closes the
 * incident the trigger opened.
 */
export function pagerdutyDedupKey(notification: Notification): string {
  return truncate(notification.alert.alertId, 255);
}

/**
 * One Events API v2 event: `trigger` (with payload summary, source =
 * cluster, severity critical/error/warning/info, timestamp, component =
 * resource, group = namespace, class = alert type, custom_details), or
 * `resolve` when the change closes the alert.
 */
export function pagerdutyEvent(
  notification: Notification,
  routingKey: string,
  nowMs: number,
): Record<string, unknown> {
  const { alert } = notification;
  const base = {
    routing_key: routingKey,
    dedup_key: pagerdutyDedupKey(notification),
  };
  if (isClosing(notification)) {
    return { ...base, event_action: 'resolve' };
  }
  const target = alert.target;
  const prefix = notification.change === 'test' ? '[TEST] ' : '';
  return {
    ...base,
    event_action: 'trigger',
    client: 'Kubeguard',
    payload: {
      summary: truncate(`${prefix}${alert.title}`, 1024),
      source: alert.cluster || 'kubeguard',
      severity: PD_SEVERITY.get(alert.severity) ?? 'warning',
      timestamp: alertTime(alert, new Date(nowMs)).toISOString(),
      ...(target?.resource ? { component: target.resource } : {}),
      ...(target?.namespace ? { group: target.namespace } : {}),
      class: alert.alertType || alert.ruleId,
      custom_details: {
        alert_id: alert.alertId,
        rule_id: alert.ruleId,
        fingerprint: alert.fingerprint,
        change: notification.change,
        status: statusName(alert.status),
        outcome: outcomeName(alert.outcome),
        description: alert.description,
        actor: alert.actor?.username ?? '',
        groups: alert.actor?.groups ?? [],
        source_ips: alert.actor?.sourceIps ?? [],
        user_agent: alert.actor?.userAgent ?? '',
        target: targetText(target),
        mitre_tactics: alert.mitreTactics,
        mitre_techniques: alert.mitreTechniques,
        count: alert.evidence?.count ?? 0,
        audit_ids: alert.evidence?.auditIds ?? [],
        remediation: alert.remediation,
      },
    },
  };
}

/** POSTs one event per notification. */
export function createPagerdutySink(
  config: PagerdutySinkConfig,
  deps: ResolvedDeps,
): Sink {
  return createJsonPostSink(
    config,
    deps,
    notification =>
      pagerdutyEvent(notification, config.routingKey, deps.clock()),
    'application/json',
  );
}
