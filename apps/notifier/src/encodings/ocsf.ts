import { AlertStatus, Severity, type Alert } from '@kubeguard/contracts';

import type { AlertChange, Notification } from '../sinks/sink.js';
import {
  alertTime,
  extraField,
  extraStrings,
  isClosing,
  outcomeName,
} from './alert-facts.js';
import { compact, nonEmpty, orUndefined } from './compact.js';
import { tacticRef, techniqueRef } from './mitre.js';
import { PRODUCT_NAME, VENDOR_NAME } from './product.js';
import type { EncodeContext, Encoder } from './types.js';

/** The OCSF schema version the payload follows (evidences.uid needs 1.5.0). */
export const OCSF_VERSION = '1.5.0';

const CATEGORY_FINDINGS = 2;
const CLASS_DETECTION_FINDING = 2004;

const ACTIVITIES = {
  create: { id: 1, name: 'Create' },
  update: { id: 2, name: 'Update' },
  close: { id: 3, name: 'Close' },
} as const;

const SEVERITIES = new Map<Severity, { id: number; name: string }>([
  [Severity.INFO, { id: 1, name: 'Informational' }],
  [Severity.LOW, { id: 2, name: 'Low' }],
  [Severity.MEDIUM, { id: 3, name: 'Medium' }],
  [Severity.HIGH, { id: 4, name: 'High' }],
  [Severity.CRITICAL, { id: 5, name: 'Critical' }],
]);

const STATUSES = new Map<AlertStatus, { id: number; name: string }>([
  [AlertStatus.NEW, { id: 1, name: 'New' }],
  [AlertStatus.IN_PROGRESS, { id: 2, name: 'In Progress' }],
  // Dismissed = reviewed and judged benign or a false positive: OCSF's Suppressed.
  [AlertStatus.DISMISSED, { id: 3, name: 'Suppressed' }],
  [AlertStatus.RESOLVED, { id: 4, name: 'Resolved' }],
]);

const UNKNOWN = { id: 0, name: 'Unknown' };

/** Create for a new alert (and a test), Close when it is resolved or dismissed, else Update. */
export function ocsfActivity(
  notification: Notification,
): (typeof ACTIVITIES)[keyof typeof ACTIVITIES] {
  if (isClosing(notification)) {
    return ACTIVITIES.close;
  }
  const creating: readonly AlertChange[] = ['created', 'test'];
  return creating.includes(notification.change)
    ? ACTIVITIES.create
    : ACTIVITIES.update;
}

/**
 * OCSF Detection Finding (category Findings 2, class 2004), schema 1.5.0.
 * Values with no OCSF attribute (fingerprint, outcome, workload facts,
 * matched values) travel in `unmapped`.
 */
export function encodeOcsf(
  notification: Notification,
  context: EncodeContext,
): Record<string, unknown> {
  const { alert } = notification;
  const activity = ocsfActivity(notification);
  const severity = SEVERITIES.get(alert.severity) ?? UNKNOWN;
  const status =
    extraField(alert, 'suppressed') === true
      ? { id: 3, name: 'Suppressed' }
      : (STATUSES.get(alert.status) ?? UNKNOWN);
  const evidence = alert.evidence;
  const remediation = remediationOf(alert);
  return compact({
    activity_id: activity.id,
    activity_name: activity.name,
    category_uid: CATEGORY_FINDINGS,
    category_name: 'Findings',
    class_uid: CLASS_DETECTION_FINDING,
    class_name: 'Detection Finding',
    type_uid: CLASS_DETECTION_FINDING * 100 + activity.id,
    type_name: `Detection Finding: ${activity.name}`,
    severity_id: severity.id,
    severity: severity.name,
    status_id: status.id,
    status: status.name,
    time: alertTime(alert, context.now).getTime(),
    start_time: evidence?.firstSeen?.getTime(),
    end_time: evidence?.lastSeen?.getTime(),
    count: evidence && evidence.count > 0 ? evidence.count : undefined,
    message: alert.title,
    is_alert: activity !== ACTIVITIES.close,
    metadata: {
      version: OCSF_VERSION,
      uid: notification.id,
      correlation_uid: orUndefined(alert.fingerprint),
      event_code: orUndefined(alert.alertType),
      product: {
        name: PRODUCT_NAME,
        vendor_name: VENDOR_NAME,
        version: context.productVersion,
      },
    },
    finding_info: compact({
      uid: alert.alertId,
      title: alert.title,
      desc: orUndefined(alert.description),
      types: alert.alertType === '' ? undefined : [alert.alertType],
      analytic: compact({
        uid: alert.ruleId,
        name: orUndefined(alert.alertType) ?? alert.ruleId,
        type_id: 1,
        type: 'Rule',
      }),
      attacks: nonEmpty(ocsfAttacks(alert)),
      created_time: alert.createdAt?.getTime(),
      modified_time: alert.updatedAt?.getTime(),
      first_seen_time: evidence?.firstSeen?.getTime(),
      last_seen_time: evidence?.lastSeen?.getTime(),
    }),
    actor: ocsfActor(alert),
    resources: nonEmpty(ocsfResources(alert)),
    evidences: nonEmpty(ocsfEvidences(alert)),
    remediation,
    unmapped: compact({
      change: notification.change,
      repeats: notification.repeats,
      fingerprint: orUndefined(alert.fingerprint),
      outcome: outcomeName(alert.outcome),
      impersonated_user: orUndefined(alert.actor?.impersonatedUsername ?? ''),
      workload: alert.workload
        ? compact({
            images: nonEmpty(alert.workload.images),
            privileged: alert.workload.privileged,
            host_paths: nonEmpty(alert.workload.hostPaths),
            service_account: orUndefined(alert.workload.serviceAccount),
          })
        : undefined,
      matched:
        evidence && Object.keys(evidence.matched).length > 0
          ? evidence.matched
          : undefined,
    }),
  });
}

/**
 * ATT&CK objects. A tactic and a technique share an entry only when the
 * alert names one of either; with several of both we cannot know which
 * technique serves which tactic, so each gets its own entry.
 */
export function ocsfAttacks(alert: Alert): Record<string, unknown>[] {
  const tactics = alert.mitreTactics.map(id => {
    const ref = tacticRef(id);
    return compact({ uid: ref.id, name: ref.name });
  });
  const techniques = alert.mitreTechniques.map(id => {
    const ref = techniqueRef(id);
    return compact({
      technique: { uid: ref.techniqueId },
      sub_technique:
        ref.subTechniqueId === undefined
          ? undefined
          : { uid: ref.subTechniqueId },
    });
  });
  if (tactics.length > 1 && techniques.length > 1) {
    return [...tactics.map(tactic => ({ tactic })), ...techniques];
  }
  if (techniques.length === 0) {
    return tactics.map(tactic => ({ tactic }));
  }
  if (tactics.length === 0) {
    return techniques;
  }
  return tactics.flatMap(tactic =>
    techniques.map(technique => ({ tactic, ...technique })),
  );
}

function ocsfActor(alert: Alert): Record<string, unknown> | undefined {
  const actor = alert.actor;
  if (!actor || actor.username === '') {
    return undefined;
  }
  return {
    user: compact({
      name: actor.username,
      groups: nonEmpty(actor.groups.map(name => ({ name }))),
    }),
  };
}

function ocsfResources(alert: Alert): Record<string, unknown>[] {
  const resources: Record<string, unknown>[] = [];
  if (alert.cluster !== '') {
    resources.push({
      type: 'cluster',
      uid: alert.cluster,
      name: alert.cluster,
    });
  }
  const target = alert.target;
  if (target && (target.resource !== '' || target.name !== '')) {
    const name = [target.namespace, target.name]
      .filter(part => part !== '')
      .join('/');
    resources.push(
      compact({
        type: orUndefined(target.resource),
        name: orUndefined(name),
        group: orUndefined(target.namespace),
        data: compact({
          api_group: orUndefined(target.apiGroup),
          subresource: orUndefined(target.subresource),
          namespace: orUndefined(target.namespace),
          name: orUndefined(target.name),
        }),
      }),
    );
  }
  return resources;
}

/** One evidence per audit event: who, from where, which API call. */
function ocsfEvidences(alert: Alert): Record<string, unknown>[] {
  const actor = ocsfActor(alert);
  const ip = alert.actor?.sourceIps[0];
  const userAgent = orUndefined(alert.actor?.userAgent ?? '');
  const verb = orUndefined(alert.target?.verb ?? '');
  const shared = compact({
    name: 'kubernetes.audit.event',
    actor,
    src_endpoint: ip === undefined ? undefined : { ip },
    http_request:
      userAgent === undefined ? undefined : { user_agent: userAgent },
  });
  const auditIds = alert.evidence?.auditIds ?? [];
  if (auditIds.length === 0) {
    return Object.keys(shared).length > 1
      ? [
          compact({
            ...shared,
            api:
              verb === undefined
                ? undefined
                : { operation: verb, service: { name: 'kube-apiserver' } },
          }),
        ]
      : [];
  }
  return auditIds.map(auditId =>
    compact({
      uid: auditId,
      ...shared,
      api: compact({
        operation: verb ?? 'unknown',
        service: { name: 'kube-apiserver' },
        request: { uid: auditId },
      }),
    }),
  );
}

function remediationOf(alert: Alert): Record<string, unknown> | undefined {
  if (alert.remediation.length === 0) {
    return undefined;
  }
  return compact({
    desc: alert.remediation.join('\n'),
    references: nonEmpty(extraStrings(alert, 'references')),
  });
}

/** The `ocsf` encoding. */
export const ocsfEncoder: Encoder = {
  name: 'ocsf',
  mediaType: 'application/json',
  encode: (notification, context) => ({
    format: 'json',
    value: encodeOcsf(notification, context),
  }),
};
