import { isIPv4, isIPv6 } from 'node:net';

import { Severity } from '@kubeguard/contracts';

import type { Notification } from '../sinks/sink.js';
import {
  alertTime,
  outcomeName,
  statusName,
  targetText,
} from './alert-facts.js';
import { PRODUCT_NAME, VENDOR_NAME } from './product.js';
import type { EncodeContext, Encoder } from './types.js';

/** CEF severity 0-10: Low 0-3, Medium 4-6, High 7-8, Very-High 9-10. */
const CEF_SEVERITY = new Map<Severity, number>([
  [Severity.INFO, 1],
  [Severity.LOW, 3],
  [Severity.MEDIUM, 5],
  [Severity.HIGH, 8],
  [Severity.CRITICAL, 10],
]);

/** Escapes a CEF header field: `\` and `|`; a header cannot hold a line break. */
export function escapeCefHeader(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** Escapes a CEF extension value: `\`, `=`, and line breaks as `\n` / `\r`. */
export function escapeCefValue(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/=/g, '\\=')
    .replace(/\r\n|\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

/**
 * One CEF line:
 * `CEF:0|Kubeguard|Kubeguard|<version>|<rule id>|<title>|<severity 0-10>|<extension>`.
 * Extension keys: rt/start/end (ms since epoch), cnt, externalId (alert id),
 * cat (alert type), act (the change), outcome, suser, src (IPv4) or c6a2
 * (IPv6), requestClientApplication (user agent), msg (description),
 * cs1 cluster, cs2 namespace, cs3 target, cs4 ATT&CK tactics, cs5 ATT&CK
 * techniques, cs6 audit ids, flexString1 status, flexString2 fingerprint.
 * Empty values are left out.
 */
export function encodeCef(
  notification: Notification,
  context: EncodeContext,
): string {
  const { alert } = notification;
  const evidence = alert.evidence;
  const actor = alert.actor;
  const ip = actor?.sourceIps[0] ?? '';
  const extension: [string, string | number | undefined][] = [
    ['rt', alertTime(alert, context.now).getTime()],
    ['start', evidence?.firstSeen?.getTime()],
    ['end', evidence?.lastSeen?.getTime()],
    ['cnt', evidence && evidence.count > 0 ? evidence.count : undefined],
    ['externalId', alert.alertId],
    ['cat', alert.alertType],
    ['act', notification.change],
    ['outcome', outcomeName(alert.outcome)],
    ['suser', actor?.username],
    ['src', isIPv4(ip) ? ip : undefined],
    ['c6a2Label', isIPv6(ip) ? 'Source IPv6 Address' : undefined],
    ['c6a2', isIPv6(ip) ? ip : undefined],
    ['requestClientApplication', actor?.userAgent],
    ['msg', alert.description],
    ...labelled('cs1', 'cluster', alert.cluster),
    ...labelled('cs2', 'namespace', alert.target?.namespace),
    ...labelled('cs3', 'target', targetText(alert.target)),
    ...labelled('cs4', 'mitreTactics', alert.mitreTactics.join(',')),
    ...labelled('cs5', 'mitreTechniques', alert.mitreTechniques.join(',')),
    ...labelled('cs6', 'auditIds', evidence?.auditIds.join(',')),
    ...labelled('flexString1', 'status', statusName(alert.status)),
    ...labelled('flexString2', 'fingerprint', alert.fingerprint),
  ];
  const header = [
    'CEF:0',
    VENDOR_NAME,
    PRODUCT_NAME,
    context.productVersion,
    alert.ruleId,
    alert.title,
    String(CEF_SEVERITY.get(alert.severity) ?? 0),
  ]
    .map((field, i) => (i === 0 ? field : escapeCefHeader(field)))
    .join('|');
  const pairs = extension
    .filter(
      (pair): pair is [string, string | number] =>
        pair[1] !== undefined && pair[1] !== '',
    )
    .map(([key, value]) => `${key}=${escapeCefValue(String(value))}`);
  return `${header}|${pairs.join(' ')}`;
}

function labelled(
  key: string,
  label: string,
  value: string | undefined,
): [string, string | undefined][] {
  return value === undefined || value === ''
    ? []
    : [
        [`${key}Label`, label],
        [key, value],
      ];
}

/** The `cef` encoding. */
export const cefEncoder: Encoder = {
  name: 'cef',
  mediaType: 'text/plain; charset=utf-8',
  encode: (notification, context) => ({
    format: 'text',
    value: encodeCef(notification, context),
  }),
};
