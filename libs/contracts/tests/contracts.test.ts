import { describe, expect, it } from 'vitest';

import {
  AuditEvent,
  deadLetterSubject,
  detectionSubject,
  eventSubject,
  rawSubject,
  Severity,
} from '../src/index.js';

describe('subjects', () => {
  it('builds one subject per cluster, partition, severity and rule', () => {
    expect(rawSubject('prod-eu')).toBe('audit.raw.v1.prod-eu');
    expect(eventSubject('prod-eu', 3)).toBe('audit.event.v1.prod-eu.3');
    expect(detectionSubject('high', 'anonymous-request-allowed')).toBe(
      'detect.detection.v1.high.anonymous-request-allowed',
    );
    expect(deadLetterSubject('normalizer', 'DECODE_FAILED')).toBe(
      'dlq.normalizer.DECODE_FAILED',
    );
  });

  it('never lets a value add tokens or wildcards to a subject', () => {
    expect(rawSubject('a.b')).toBe('audit.raw.v1.a_b');
    expect(rawSubject('*')).toBe('audit.raw.v1._');
    expect(rawSubject('>')).toBe('audit.raw.v1._');
    expect(rawSubject('')).toBe('audit.raw.v1._');
  });
});

describe('generated codecs', () => {
  it('round-trips an audit event with maps, nested messages and int64', () => {
    const event = AuditEvent.fromPartial({
      auditId: 'a1',
      verb: 'get',
      user: {
        username: 'system:anonymous',
        groups: ['system:unauthenticated'],
      },
      annotations: { 'authorization.k8s.io/decision': 'allow' },
      stageUnixMicros: 1_700_000_000_123_456,
    });
    const decoded = AuditEvent.decode(AuditEvent.encode(event).finish());
    expect(decoded).toEqual(event);
    expect(Severity.CRITICAL).toBeGreaterThan(Severity.HIGH);
  });
});
