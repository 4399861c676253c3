import type { Notification } from '../sink.js';
import {
  isClosing,
  severityLabel,
  statusName,
  targetText,
} from '../../encodings/index.js';

/** The facts chat messages (Slack, Teams) show, as plain strings. */
export interface MessageFacts {
  heading: string;
  severity: string;
  cluster: string;
  actor: string;
  target: string;
  rule: string;
  status: string;
  description: string;
  remediation: string[];
  footer: string;
}

const CHANGE_PREFIX: Record<Notification['change'], string> = {
  created: '',
  updated: 'Updated: ',
  reopened: 'Reopened: ',
  resolved: 'Resolved: ',
  test: '[TEST] ',
};

/** Turns a notification into the strings a chat card shows. */
export function messageFacts(notification: Notification): MessageFacts {
  const { alert } = notification;
  const actor = alert.actor;
  const ips = actor?.sourceIps ?? [];
  const evidence = alert.evidence;
  const prefix =
    notification.change !== 'test' && isClosing(notification)
      ? 'Resolved: '
      : CHANGE_PREFIX[notification.change];
  const seen =
    evidence && evidence.count > 0
      ? `seen ${String(evidence.count)}×${
          evidence.firstSeen && evidence.lastSeen
            ? ` (${evidence.firstSeen.toISOString()} – ${evidence.lastSeen.toISOString()})`
            : ''
        }`
      : '';
  const mitre = [...alert.mitreTactics, ...alert.mitreTechniques].join(', ');
  const repeats =
    notification.repeats !== undefined && notification.repeats > 1
      ? `${String(notification.repeats)} notifications folded`
      : '';
  return {
    heading: `${prefix}${severityLabel(alert.severity)}: ${alert.title}`,
    severity: severityLabel(alert.severity),
    cluster: alert.cluster === '' ? '—' : alert.cluster,
    actor:
      actor && actor.username !== ''
        ? `${actor.username}${ips.length > 0 ? ` from ${ips.join(', ')}` : ''}`
        : '—',
    target: targetText(alert.target) || '—',
    rule:
      alert.alertType === ''
        ? alert.ruleId
        : `${alert.ruleId} (${alert.alertType})`,
    status: `${statusName(alert.status)} (${notification.change})`,
    description: alert.description,
    remediation: alert.remediation,
    footer: [
      `alert ${alert.alertId}`,
      seen,
      mitre === '' ? '' : `ATT&CK ${mitre}`,
      repeats,
    ]
      .filter(part => part !== '')
      .join(' · '),
  };
}

/** Cuts `value` to `max` characters, marking the cut. */
export function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
