/**
 * JetStream streams and the subjects they hold. Every subject is built by a
 * function here so no other file spells one out.
 */
export const Streams = {
  /** Raw input exactly as received: one message per webhook body or pushed batch. */
  AUDIT_RAW: { name: 'AUDIT_RAW', subjects: ['audit.raw.v1.>'] },
  /** Normalized `AuditEventBatch` messages, one per raw batch and partition. */
  AUDIT_EVENTS: { name: 'AUDIT_EVENTS', subjects: ['audit.event.v1.>'] },
  /** `Detection` occurrences from every detector service. */
  DETECTIONS: { name: 'DETECTIONS', subjects: ['detect.detection.v1.>'] },
  /** `DeadLetter` records: input a service could not process, with the reason. */
  DEAD_LETTER: { name: 'DEAD_LETTER', subjects: ['dlq.>'] },
} as const;

/** The name of one of the {@link Streams}. */
export type StreamName = keyof typeof Streams;

/** Raw batches of one cluster. */
export function rawSubject(cluster: string): string {
  return `audit.raw.v1.${subjectToken(cluster)}`;
}

/** Normalized event batches of one cluster and partition. */
export function eventSubject(cluster: string, partition: number): string {
  return `audit.event.v1.${subjectToken(cluster)}.${String(partition)}`;
}

/** Matches the normalized event batches of one partition, across clusters. */
export function eventPartitionFilter(partition: number): string {
  return `audit.event.v1.*.${String(partition)}`;
}

/** Detections, by severity name (e.g. `high`) and rule id. */
export function detectionSubject(severity: string, ruleId: string): string {
  return `detect.detection.v1.${subjectToken(severity)}.${subjectToken(ruleId)}`;
}

/** Dead letters of one service, by reason code. */
export function deadLetterSubject(service: string, reason: string): string {
  return `dlq.${subjectToken(service)}.${subjectToken(reason)}`;
}

/**
 * Makes a value safe as one NATS subject token: dots, wildcards and
 * whitespace would split or widen the subject, so they become '_'.
 */
export function subjectToken(value: string): string {
  const token = value.replace(/[^A-Za-z0-9_-]/g, '_');
  return token === '' ? '_' : token;
}
