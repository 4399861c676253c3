import {
  AlertStatus,
  Outcome,
  type Actor,
  type Alert,
  type Detection,
  type Evidence,
  type Severity,
  type Target,
  type Workload,
} from '@kubeguard/contracts';

/** Bumped when the stored shape changes, so old documents can be migrated. */
export const ALERT_SCHEMA_VERSION = 1;

/** Alert status as stored: readable strings rather than enum numbers. */
export type StoredStatus = 'new' | 'in_progress' | 'resolved' | 'dismissed';

/** An alert as stored in the `alerts` collection. */
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
  evidence: Evidence;
  remediation: string[];
  status: StoredStatus;
  /** The outcome of the request behind the alert. */
  outcome: Outcome;
  detector: string;
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

/** The stored form of a status, or undefined for "any". */
export function storedStatus(status: AlertStatus): StoredStatus | undefined {
  return statusToStored[status];
}

/** A new alert document for a detection seen for the first time. */
export function alertDocumentFromDetection(
  detection: Detection,
  now: Date,
): AlertDocument {
  return {
    _id: detection.detectionId,
    schemaVersion: ALERT_SCHEMA_VERSION,
    fingerprint: detection.fingerprint,
    ruleId: detection.ruleId,
    alertType: detection.alertType,
    title: detection.title,
    description: detection.description,
    severity: detection.severity,
    mitreTactics: detection.mitreTactics,
    mitreTechniques: detection.mitreTechniques,
    cluster: detection.cluster,
    actor: detection.actor ?? {
      username: '',
      groups: [],
      sourceIps: [],
      userAgent: '',
      impersonatedUsername: '',
    },
    target: detection.target ?? {
      verb: '',
      resource: '',
      subresource: '',
      namespace: '',
      name: '',
      apiGroup: '',
    },
    workload: detection.workload ?? null,
    evidence: detection.evidence ?? {
      auditIds: [],
      firstSeen: undefined,
      lastSeen: undefined,
      count: 0,
      matched: {},
    },
    remediation: detection.remediation,
    status: 'new',
    outcome: detection.outcome,
    detector: detection.detector,
    createdAt: now,
    updatedAt: now,
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
    evidence: {
      ...doc.evidence,
      firstSeen: doc.evidence.firstSeen ?? undefined,
      lastSeen: doc.evidence.lastSeen ?? undefined,
    },
    remediation: doc.remediation,
    status: storedToStatus[doc.status],
    outcome: doc.outcome ?? Outcome.UNSPECIFIED,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
