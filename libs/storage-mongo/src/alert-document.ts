import {
  AlertStatus,
  Outcome,
  type Actor,
  type Alert,
  type Severity,
  type Target,
  type Workload,
} from '@kubeguard/contracts';

/**
 * Bumped when the stored shape changes. v1: one alert per detection (`_id` =
 * detection id). v2: one alert per fingerprint with revision, seq, lifecycle
 * and suppression fields. v1 documents are read as v2 and rewritten as v2 on
 * their next change.
 */
export const ALERT_SCHEMA_VERSION = 2;

/** Alert status as stored: readable strings rather than enum numbers. */
export type StoredStatus = 'new' | 'in_progress' | 'resolved' | 'dismissed';

/** Evidence as stored: always with both times, so TTL and ranges work. */
export interface StoredEvidence {
  /** The most recent audit IDs, oldest first. */
  auditIds: string[];
  firstSeen: Date;
  lastSeen: Date;
  count: number;
  matched: Record<string, string>;
}

/** A comment as stored. */
export interface StoredComment {
  author: string;
  text: string;
  at: Date;
}

/** One history entry as stored. */
export interface StoredHistoryEntry {
  at: Date;
  who: string;
  action: string;
  from: string;
  to: string;
  comment: string;
}

/** An alert as stored in the `alerts` collection (schema v2). */
export interface AlertDocument {
  _id: string;
  schemaVersion: number;
  fingerprint: string;
  ruleId: string;
  alertType: string;
  title: string;
  description: string;
  /** Numeric so "at least this severe" is a range query. */
  severity: Severity;
  mitreTactics: string[];
  mitreTechniques: string[];
  cluster: string;
  actor: Actor;
  target: Target;
  workload: Workload | null;
  evidence: StoredEvidence;
  remediation: string[];
  status: StoredStatus;
  statusReason: string;
  assignee: string;
  comments: StoredComment[];
  history: StoredHistoryEntry[];
  suppressed: boolean;
  suppressedBy: string;
  /** The outcome of the request behind the alert. */
  outcome: Outcome;
  detector: string;
  /** 1 on creation, +1 on every change: the optimistic-concurrency token. */
  revision: number;
  /** The change-log position of the latest change. */
  seq: number;
  createdAt: Date;
  updatedAt: Date;
}

const statusToStored: Record<AlertStatus, StoredStatus | undefined> = {
  [AlertStatus.UNSPECIFIED]: undefined,
  [AlertStatus.NEW]: 'new',
  [AlertStatus.IN_PROGRESS]: 'in_progress',
  [AlertStatus.RESOLVED]: 'resolved',
  [AlertStatus.DISMISSED]: 'dismissed',
  [AlertStatus.UNRECOGNIZED]: undefined,
};

const storedToStatus: Record<StoredStatus, AlertStatus> = {
  new: AlertStatus.NEW,
  in_progress: AlertStatus.IN_PROGRESS,
  resolved: AlertStatus.RESOLVED,
  dismissed: AlertStatus.DISMISSED,
};

/** The stored form of a status; undefined for UNSPECIFIED and unknown values. */
export function storedStatus(status: AlertStatus): StoredStatus | undefined {
  return Object.hasOwn(statusToStored, status)
    ? statusToStored[status]
    : undefined;
}

/** The API form of a stored status. */
export function apiStatus(status: StoredStatus): AlertStatus {
  return storedToStatus[status];
}

/** Documents as they may be found in the collection: v2, or v1 fields only. */
type RawAlertDocument = Partial<AlertDocument> &
  Pick<AlertDocument, '_id' | 'fingerprint' | 'createdAt'> & {
    evidence?: Partial<StoredEvidence> & {
      firstSeen?: Date | null;
      lastSeen?: Date | null;
    };
  };

/**
 * Reads a stored alert of any schema version as v2. A v1 document (one per
 * detection) reads as revision 0 with its `_id` as its only detection.
 */
export function readAlertDocument(raw: RawAlertDocument): AlertDocument {
  const created = raw.createdAt;
  const evidence: Partial<StoredEvidence> = raw.evidence ?? {};
  return {
    _id: raw._id,
    schemaVersion: raw.schemaVersion ?? 1,
    fingerprint: raw.fingerprint,
    ruleId: raw.ruleId ?? '',
    alertType: raw.alertType ?? '',
    title: raw.title ?? '',
    description: raw.description ?? '',
    severity: raw.severity ?? 0,
    mitreTactics: raw.mitreTactics ?? [],
    mitreTechniques: raw.mitreTechniques ?? [],
    cluster: raw.cluster ?? '',
    actor: raw.actor ?? emptyActor(),
    target: raw.target ?? emptyTarget(),
    workload: raw.workload ?? null,
    evidence: {
      auditIds: evidence.auditIds ?? [],
      firstSeen: evidence.firstSeen ?? created,
      lastSeen: evidence.lastSeen ?? evidence.firstSeen ?? created,
      count: evidence.count ?? 1,
      matched: evidence.matched ?? {},
    },
    remediation: raw.remediation ?? [],
    status: raw.status ?? 'new',
    statusReason: raw.statusReason ?? '',
    assignee: raw.assignee ?? '',
    comments: raw.comments ?? [],
    history: raw.history ?? [],
    suppressed: raw.suppressed ?? false,
    suppressedBy: raw.suppressedBy ?? '',
    outcome: raw.outcome ?? Outcome.UNSPECIFIED,
    detector: raw.detector ?? '',
    revision: raw.revision ?? 0,
    seq: raw.seq ?? 0,
    createdAt: created,
    updatedAt: raw.updatedAt ?? created,
  };
}

/** The API form of a stored alert. */
export function alertFromDocument(doc: AlertDocument): Alert {
  return {
    alertId: doc._id,
    fingerprint: doc.fingerprint,
    ruleId: doc.ruleId,
    alertType: doc.alertType,
    title: doc.title,
    description: doc.description,
    severity: doc.severity,
    mitreTactics: doc.mitreTactics,
    mitreTechniques: doc.mitreTechniques,
    cluster: doc.cluster,
    actor: doc.actor,
    target: doc.target,
    workload: doc.workload ?? undefined,
    evidence: { ...doc.evidence },
    remediation: doc.remediation,
    status: apiStatus(doc.status),
    outcome: doc.outcome,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    statusReason: doc.statusReason,
    assignee: doc.assignee,
    comments: doc.comments.map(c => ({ ...c })),
    history: doc.history.map(h => ({ ...h })),
    suppressed: doc.suppressed,
    suppressedBy: doc.suppressedBy,
    revision: doc.revision,
    seq: doc.seq,
  };
}

/** An actor with every field empty. */
export function emptyActor(): Actor {
  return {
    username: '',
    groups: [],
    sourceIps: [],
    userAgent: '',
    impersonatedUsername: '',
  };
}

/** A target with every field empty. */
export function emptyTarget(): Target {
  return {
    verb: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    apiGroup: '',
  };
}
