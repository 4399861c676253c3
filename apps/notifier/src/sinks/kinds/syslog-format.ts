import { Severity } from '@kubeguard/contracts';

/** Syslog facility codes (RFC 5424 table 1) by their usual names. */
export const FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  security: 13,
  console: 14,
  'solaris-cron': 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

/** A facility name. */
export type FacilityName = keyof typeof FACILITIES;

/** Syslog severity by alert severity: critical→2 crit, high→3 err, medium→4 warning, low→5 notice, info→6 info. */
const SYSLOG_SEVERITY = new Map<Severity, number>([
  [Severity.CRITICAL, 2],
  [Severity.HIGH, 3],
  [Severity.MEDIUM, 4],
  [Severity.LOW, 5],
  [Severity.INFO, 6],
]);

/** The syslog severity of an alert severity (5 notice when unspecified). */
export function syslogSeverity(severity: Severity): number {
  return SYSLOG_SEVERITY.get(severity) ?? 5;
}

/** The header fields of one message. */
export interface SyslogHeader {
  facility: number;
  severity: number;
  /** RFC 3339 time. */
  timestamp: Date;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
}

/**
 * An RFC 5424 message without structured data:
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`. Header fields are
 * cut to their RFC lengths and limited to printable US-ASCII; an empty one
 * is the NILVALUE `-`. MSG is UTF-8 without a BOM.
 */
export function formatSyslog(header: SyslogHeader, message: string): string {
  const pri = header.facility * 8 + header.severity;
  return [
    `<${String(pri)}>1`,
    header.timestamp.toISOString(),
    field(header.hostname, 255),
    field(header.appName, 48),
    field(header.procId, 128),
    field(header.msgId, 32),
    '-',
    message,
  ].join(' ');
}

/** RFC 6587 octet counting: `<byte length> <message>`, as bytes. */
export function frameOctetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${String(body.length)} `, 'ascii'), body]);
}

function field(value: string, max: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return printable === '' ? '-' : printable;
}
