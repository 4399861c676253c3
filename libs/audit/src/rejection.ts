/** Why one piece of input could not become an AuditEvent. */
export type RejectionReason =
  'NOT_JSON' | 'NOT_AUDIT_EVENT' | 'MISSING_FIELD' | 'WRONG_TYPE';

/**
 * An expected, per-record rejection: a value, not an exception, so a batch
 * with one bad record still delivers the good ones.
 */
export interface Rejection {
  readonly reason: RejectionReason;
  /** What was wrong, written for the person who has to fix the source. */
  readonly detail: string;
}

/** Builds a {@link Rejection}. */
export function reject(reason: RejectionReason, detail: string): Rejection {
  return { reason, detail };
}

/** Narrows a result to a {@link Rejection}. */
export function isRejection(value: unknown): value is Rejection {
  return (
    typeof value === 'object' &&
    value !== null &&
    'reason' in value &&
    'detail' in value &&
    !('auditId' in value)
  );
}
