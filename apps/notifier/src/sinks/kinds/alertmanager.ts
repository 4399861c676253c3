import { z } from 'zod';

import {
  alertTime,
  isClosing,
  severityName,
  targetText,
} from '../../encodings/index.js';
import {
  commonFields,
  headers,
  httpUrl,
  positiveInt,
  text,
  timeoutMs,
} from '../config-fields.js';
import { userAgent, type ResolvedDeps } from '../deps.js';
import { authorizationHeader, postHttp } from '../http.js';
import { createRouteFilter } from '../routing.js';
import type { Notification, Sink } from '../sink.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `kind: alertmanager` — Prometheus Alertmanager API v2. */
export const alertmanagerSchema = z
  .strictObject({
    ...commonFields,
    kind: z.literal('alertmanager'),
    /** Base URL, e.g. `http://alertmanager:9093`. */
    url: httpUrl(),
    headers: headers(),
    bearerToken: text().optional(),
    username: text().optional(),
    password: text().optional(),
    /** Extra labels on every alert, e.g. `{team: secops}`; ours win on a clash. */
    labels: z
      .record(z.string().regex(LABEL_NAME, 'invalid label name'), text())
      .default({}),
    /**
     * endsAt of an open alert = now + this. Absent: no endsAt, and
     * Alertmanager resolves the alert after its resolve_timeout unless the
     * alert is sent again.
     */
    expireAfterMs: positiveInt().optional(),
    timeoutMs: timeoutMs(),
  })
  .refine(c => (c.username === undefined) === (c.password === undefined), {
    message: 'give username and password together',
    path: ['password'],
  });

/** A validated Alertmanager sink configuration. */
export type AlertmanagerSinkConfig = z.infer<typeof alertmanagerSchema>;

/** The v2 API path that takes alerts. */
export const ALERTMANAGER_PATH = '/api/v2/alerts';

/**
 * One postable alert. Labels identify the alert to Alertmanager (so they
 * hold only facts that do not change while it is open): alertname (the
 * alert type), severity, cluster, namespace, rule_id, alert_id,
 * fingerprint, source. Annotations: summary (title), description, actor,
 * target, mitre, remediation. startsAt = first seen; endsAt = the time of
 * the change when it closes the alert.
 */
export function alertmanagerAlert(
  notification: Notification,
  config: Pick<AlertmanagerSinkConfig, 'labels' | 'expireAfterMs'>,
  nowMs: number,
): Record<string, unknown> {
  const { alert } = notification;
  const now = new Date(nowMs);
  const startsAt = alert.evidence?.firstSeen ?? alert.createdAt ?? now;
  const labels: Record<string, string> = { ...config.labels };
  const set = (name: string, value: string): void => {
    if (value !== '') {
      labels[name] = value;
    }
  };
  set('alertname', alert.alertType || alert.ruleId);
  set('severity', severityName(alert.severity));
  set('cluster', alert.cluster);
  set('namespace', alert.target?.namespace ?? '');
  set('rule_id', alert.ruleId);
  set('alert_id', alert.alertId);
  set('fingerprint', alert.fingerprint);
  set('source', 'kubeguard');
  const annotations: Record<string, string> = {};
  const annotate = (name: string, value: string): void => {
    if (value !== '') {
      annotations[name] = value;
    }
  };
  annotate('summary', alert.title);
  annotate('description', alert.description);
  annotate(
    'actor',
    alert.actor
      ? [alert.actor.username, ...alert.actor.sourceIps]
          .filter(Boolean)
          .join(' ')
      : '',
  );
  annotate('target', targetText(alert.target));
  annotate(
    'mitre',
    [...alert.mitreTactics, ...alert.mitreTechniques].join(','),
  );
  annotate('remediation', alert.remediation.join('\n'));
  let endsAt: Date | undefined;
  if (isClosing(notification)) {
    const closedAt = alertTime(alert, now);
    // Alertmanager refuses an end before the start.
    endsAt = closedAt < startsAt ? startsAt : closedAt;
  } else if (config.expireAfterMs !== undefined) {
    endsAt = new Date(nowMs + config.expireAfterMs);
  }
  return {
    labels,
    annotations,
    startsAt: startsAt.toISOString(),
    ...(endsAt === undefined ? {} : { endsAt: endsAt.toISOString() }),
  };
}

/** POSTs the batch as one array to `/api/v2/alerts`. */
export function createAlertmanagerSink(
  config: AlertmanagerSinkConfig,
  deps: ResolvedDeps,
): Sink {
  const url = `${config.url.replace(/\/+$/, '')}${ALERTMANAGER_PATH}`;
  const auth = authorizationHeader(
    { scheme: 'Bearer', value: config.bearerToken },
    config,
  );
  return {
    id: config.id,
    kind: config.kind,
    accepts: createRouteFilter(config),
    async send(batch) {
      if (batch.length === 0) {
        return;
      }
      const now = deps.clock();
      await postHttp(
        config.id,
        {
          url,
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': userAgent(deps),
            ...config.headers,
            ...auth,
          },
          body: JSON.stringify(
            batch.map(n => alertmanagerAlert(n, config, now)),
          ),
          timeoutMs: config.timeoutMs,
        },
        deps.clock,
      );
    },
    close: () => Promise.resolve(),
  };
}
