import { Outcome, type Detection } from '@kubeguard/contracts';

import {
  ALERT_SCHEMA_VERSION,
  emptyActor,
  emptyTarget,
  type AlertDocument,
  type StoredHistoryEntry,
} from './alert-document.js';

/** What a detection did to its alert. */
export type DetectionChange = 'created' | 'updated' | 'reopened';

/** The suppression rule that hides an alert, as far as aggregation cares. */
export interface SuppressionRef {
  id: string;
  name: string;
}

/** Bounds that keep an alert document small however often it fires. */
export interface AggregationLimits {
  /** Most recent audit IDs kept as evidence. @default 100 */
  auditIds: number;
  /** Distinct source IPs kept on the actor. @default 20 */
  sourceIps: number;
  /** Most recent history entries kept. @default 200 */
  history: number;
}

/** The default {@link AggregationLimits}. */
export const DEFAULT_AGGREGATION_LIMITS: AggregationLimits = {
  auditIds: 100,
  sourceIps: 20,
  history: 200,
};

/** What {@link applyDetection} needs besides the alert and the detection. */
export interface AggregationContext {
  /** The id a new alert gets (derived from the fingerprint). */
  alertId: string;
  fingerprint: string;
  now: Date;
  /** The active suppression rule matching an alert state, if any. */
  suppressionOf: (doc: AlertDocument) => SuppressionRef | undefined;
  limits: AggregationLimits;
}

/**
 * The alert after one more detection of its fingerprint (pure). The first
 * detection creates it; later ones add to count and evidence, widen first and
 * last seen, raise severity to the highest seen, and reopen a resolved alert
 * (back to `new`). A dismissed alert stays dismissed: someone decided it is
 * not a threat, so repeats are counted but change nothing else. The revision
 * grows by one; `seq` is set when the change is committed.
 */
export function applyDetection(
  current: AlertDocument | undefined,
  detection: Detection,
  context: AggregationContext,
): { next: AlertDocument; change: DetectionChange } {
  const { now } = context;
  const who = detection.detector || 'detector';
  const seen = seenTimes(detection, now);
  let next: AlertDocument;
  let change: DetectionChange;
  if (current === undefined) {
    change = 'created';
    next = {
      _id: context.alertId,
      schemaVersion: ALERT_SCHEMA_VERSION,
      fingerprint: context.fingerprint,
      ruleId: detection.ruleId,
      alertType: detection.alertType,
      title: detection.title,
      description: detection.description,
      severity: detection.severity,
      mitreTactics: [...detection.mitreTactics],
      mitreTechniques: [...detection.mitreTechniques],
      cluster: detection.cluster,
      actor: detection.actor ? { ...detection.actor } : emptyActor(),
      target: detection.target ? { ...detection.target } : emptyTarget(),
      workload: detection.workload ?? null,
      evidence: {
        auditIds: appendDistinct(
          [],
          detection.evidence?.auditIds ?? [],
          context.limits.auditIds,
        ),
        firstSeen: seen.first,
        lastSeen: seen.last,
        count: countOf(detection),
        matched: storableKeys(detection.evidence?.matched ?? {}),
      },
      remediation: [...detection.remediation],
      status: 'new',
      statusReason: '',
      assignee: '',
      comments: [],
      history: [entry(now, who, 'created', '', 'new', '')],
      suppressed: false,
      suppressedBy: '',
      outcome: detection.outcome,
      detector: detection.detector,
      revision: 1,
      seq: 0,
      createdAt: now,
      updatedAt: now,
    };
  } else {
    const reopen = current.status === 'resolved';
    change = reopen ? 'reopened' : 'updated';
    next = {
      ...current,
      schemaVersion: ALERT_SCHEMA_VERSION,
      severity: Math.max(current.severity, detection.severity),
      actor: {
        ...current.actor,
        sourceIps: appendDistinct(
          current.actor.sourceIps,
          detection.actor?.sourceIps ?? [],
          context.limits.sourceIps,
          'keep-first',
        ),
      },
      evidence: {
        ...current.evidence,
        auditIds: appendDistinct(
          current.evidence.auditIds,
          detection.evidence?.auditIds ?? [],
          context.limits.auditIds,
        ),
        firstSeen: minDate(current.evidence.firstSeen, seen.first),
        lastSeen: maxDate(current.evidence.lastSeen, seen.last),
        count: current.evidence.count + countOf(detection),
      },
      // An attempt that was refused and one that succeeded are one incident;
      // the alert says "allowed" once any of them was.
      outcome:
        detection.outcome === Outcome.ALLOWED ||
        current.outcome === Outcome.UNSPECIFIED
          ? detection.outcome
          : current.outcome,
      history: [...current.history],
      revision: current.revision + 1,
      updatedAt: now,
    };
    if (reopen) {
      next.status = 'new';
      next.statusReason = '';
      next.history.push(
        entry(
          now,
          who,
          'reopened',
          'resolved',
          'new',
          `fired again (detection ${detection.detectionId})`,
        ),
      );
    }
  }
  markSuppression(next, context.suppressionOf(next), now);
  next.history = next.history.slice(-context.limits.history);
  return { next, change };
}

/** Sets the suppression fields from the rule that matches now, with history. */
function markSuppression(
  doc: AlertDocument,
  rule: SuppressionRef | undefined,
  now: Date,
): void {
  if (rule !== undefined && doc.suppressedBy !== rule.id) {
    doc.history.push(
      entry(now, 'notifier', 'suppressed', '', rule.id, rule.name),
    );
  } else if (rule === undefined && doc.suppressed) {
    doc.history.push(
      entry(now, 'notifier', 'unsuppressed', doc.suppressedBy, '', ''),
    );
  }
  doc.suppressed = rule !== undefined;
  doc.suppressedBy = rule?.id ?? '';
}

/** A history entry. */
export function entry(
  at: Date,
  who: string,
  action: string,
  from: string,
  to: string,
  comment: string,
): StoredHistoryEntry {
  return { at, who, action, from, to, comment };
}

/**
 * The map with keys the server accepts: any detector may publish matched
 * values, and a key with '.' or a leading '$' would make the write fail on
 * every redelivery.
 */
function storableKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(map).map(([key, value]) => [
      key.replace(/\./g, '_').replace(/^\$/, '_'),
      value,
    ]),
  );
}

function countOf(detection: Detection): number {
  // A stateful rule reports how many events its window held; a plain one, one.
  return Math.max(1, detection.evidence?.count ?? 1);
}

function seenTimes(
  detection: Detection,
  now: Date,
): { first: Date; last: Date } {
  const first =
    detection.evidence?.firstSeen ??
    detection.evidence?.lastSeen ??
    detection.detectedAt ??
    now;
  const last = detection.evidence?.lastSeen ?? first;
  return { first, last: maxDate(first, last) };
}

/**
 * `items` followed by the new values not already present, bounded to `limit`:
 * the oldest are dropped (`keep-last`, for evidence) or the new ones are
 * (`keep-first`, for facts whose first values matter most).
 */
function appendDistinct(
  items: readonly string[],
  added: readonly string[],
  limit: number,
  keep: 'keep-last' | 'keep-first' = 'keep-last',
): string[] {
  const seen = new Set(items);
  const out = [...items];
  for (const value of added) {
    if (value !== '' && !seen.has(value)) {
      seen.add(value);
      out.push(value);
    }
  }
  return keep === 'keep-last' ? out.slice(-limit) : out.slice(0, limit);
}

function minDate(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

function maxDate(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}
