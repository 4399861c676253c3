import type { Alert } from '@kubeguard/contracts';

import type { Notification } from '../sinks/sink.js';
import {
  alertTime,
  outcomeName,
  severityName,
  statusName,
} from './alert-facts.js';
import { compact, nonEmpty, orUndefined } from './compact.js';
import { tacticRef, techniqueRef } from './mitre.js';
import { PRODUCT_NAME, VENDOR_NAME } from './product.js';
import type { EncodeContext, Encoder } from './types.js';

/** The ECS version the documents follow. */
export const ECS_VERSION = '8.11.0';

const EVENT_OUTCOME = {
  allowed: 'success',
  denied: 'failure',
  failed: 'failure',
  unknown: 'unknown',
} as const;

/**
 * An Elastic Common Schema document: `event.kind: alert`, `rule.*`,
 * `threat.*` (ATT&CK ids), `orchestrator.*` (cluster, namespace, resource),
 * `user.*`, `source.ip`, `user_agent.original`. Kubeguard's own facts (audit
 * ids, fingerprint, status, workload) are under the custom `kubeguard` field
 * set; `event.severity` is the canonical severity 1 (info) to 5 (critical).
 */
export function encodeEcs(
  notification: Notification,
  context: EncodeContext,
): Record<string, unknown> {
  const { alert } = notification;
  const outcome = outcomeName(alert.outcome);
  const evidence = alert.evidence;
  const actor = alert.actor;
  const target = alert.target;
  const ips = actor?.sourceIps ?? [];
  return compact({
    '@timestamp': alertTime(alert, context.now).toISOString(),
    message: alert.title,
    ecs: { version: ECS_VERSION },
    event: compact({
      kind: 'alert',
      category: ['intrusion_detection'],
      // ECS allows allowed, denied and info for intrusion_detection.
      type: [outcome === 'allowed' || outcome === 'denied' ? outcome : 'info'],
      severity:
        severityName(alert.severity) === 'unknown'
          ? undefined
          : Number(alert.severity),
      id: notification.id,
      code: orUndefined(alert.alertType),
      action: notification.change,
      outcome: EVENT_OUTCOME[outcome],
      reason: orUndefined(alert.description),
      created: alert.createdAt?.toISOString(),
      start: evidence?.firstSeen?.toISOString(),
      end: evidence?.lastSeen?.toISOString(),
      module: 'kubeguard',
      dataset: 'kubeguard.alert',
      provider: 'kubernetes.audit',
    }),
    rule: compact({
      id: alert.ruleId,
      name: orUndefined(alert.alertType) ?? alert.ruleId,
      description: orUndefined(alert.description),
      ruleset: 'kubeguard',
    }),
    threat: ecsThreat(alert),
    orchestrator: compact({
      type: 'kubernetes',
      cluster: alert.cluster === '' ? undefined : { name: alert.cluster },
      namespace: orUndefined(target?.namespace ?? ''),
      resource:
        target && (target.resource !== '' || target.name !== '')
          ? compact({
              type: orUndefined(target.resource),
              name: orUndefined(target.name),
            })
          : undefined,
    }),
    user:
      actor && actor.username !== ''
        ? compact({
            name: actor.username,
            group: actor.groups.length > 0 ? { name: actor.groups } : undefined,
            effective:
              actor.impersonatedUsername === ''
                ? undefined
                : { name: actor.impersonatedUsername },
          })
        : undefined,
    source: ips[0] === undefined ? undefined : { ip: ips[0] },
    user_agent:
      actor && actor.userAgent !== ''
        ? { original: actor.userAgent }
        : undefined,
    related: compact({
      user: nonEmpty(
        [actor?.username ?? '', actor?.impersonatedUsername ?? ''].filter(
          name => name !== '',
        ),
      ),
      ip: nonEmpty(ips),
    }),
    observer: {
      vendor: VENDOR_NAME,
      product: PRODUCT_NAME,
      version: context.productVersion,
      type: 'ids',
    },
    kubeguard: compact({
      notification: compact({
        id: notification.id,
        change: notification.change,
        repeats: notification.repeats ?? 1,
      }),
      alert: compact({
        id: alert.alertId,
        fingerprint: orUndefined(alert.fingerprint),
        type: orUndefined(alert.alertType),
        severity: severityName(alert.severity),
        status: statusName(alert.status),
        outcome,
      }),
      evidence: evidence
        ? compact({
            audit_ids: evidence.auditIds,
            count: evidence.count,
            matched:
              Object.keys(evidence.matched).length > 0
                ? evidence.matched
                : undefined,
          })
        : undefined,
      target: target
        ? compact({
            verb: orUndefined(target.verb),
            api_group: orUndefined(target.apiGroup),
            subresource: orUndefined(target.subresource),
          })
        : undefined,
      workload: alert.workload
        ? compact({
            images: nonEmpty(alert.workload.images),
            privileged: alert.workload.privileged,
            host_paths: nonEmpty(alert.workload.hostPaths),
            service_account: orUndefined(alert.workload.serviceAccount),
          })
        : undefined,
      remediation: nonEmpty(alert.remediation),
    }),
  });
}

function ecsThreat(alert: Alert): Record<string, unknown> | undefined {
  if (alert.mitreTactics.length === 0 && alert.mitreTechniques.length === 0) {
    return undefined;
  }
  const tactics = alert.mitreTactics.map(tacticRef);
  const techniques = alert.mitreTechniques.map(techniqueRef);
  const subTechniques = techniques.filter(t => t.subTechniqueId !== undefined);
  const parents = [...new Set(techniques.map(t => t.techniqueId))];
  return compact({
    framework: 'MITRE ATT&CK',
    tactic:
      tactics.length === 0
        ? undefined
        : compact({
            id: tactics.map(t => t.id),
            name: nonEmpty(
              tactics.flatMap(t => (t.name === undefined ? [] : [t.name])),
            ),
            reference: tactics.map(t => t.reference),
          }),
    technique:
      parents.length === 0
        ? undefined
        : compact({
            id: parents,
            reference: parents.map(
              id => `https://attack.mitre.org/techniques/${id}/`,
            ),
            subtechnique:
              subTechniques.length === 0
                ? undefined
                : {
                    id: subTechniques.map(t => t.subTechniqueId),
                    reference: subTechniques.map(t => t.reference),
                  },
          }),
  });
}

/** The `ecs` encoding. */
export const ecsEncoder: Encoder = {
  name: 'ecs',
  mediaType: 'application/json',
  encode: (notification, context) => ({
    format: 'json',
    value: encodeEcs(notification, context),
  }),
};
