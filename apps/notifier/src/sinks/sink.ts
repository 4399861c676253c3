import type { Alert } from '@kubeguard/contracts';

/**
 * What happened to an alert, as a sink is told: a new alert, a repeat that
 * updated it, a resolved alert that fired again, or a status change by a
 * person (resolved alerts let PagerDuty and Alertmanager close theirs).
 */
export type AlertChange =
  'created' | 'updated' | 'reopened' | 'resolved' | 'test';

/** One notification to deliver: the alert as it was when the change happened. */
export interface Notification {
  /** Deterministic: sink id + alert id + alert revision, so a redelivery is one delivery. */
  id: string;
  change: AlertChange;
  alert: Alert;
  /**
   * How many notifications of this alert a digest folded into this one
   * (itself included); absent when nothing was folded. Set by `SinkPolicy.plan`.
   */
  repeats?: number;
}

/**
 * A destination for alerts. `send` delivers a batch and resolves only when
 * the receiver accepted it; it throws `SinkError` with `retryable` telling
 * whether trying again later may succeed (5xx, timeouts, connection refused)
 * or not (4xx other than 408/429: the payload or the credentials are wrong).
 */
export interface Sink {
  /** Stable id from the configuration, e.g. `slack-secops`. */
  readonly id: string;
  /** The kind of receiver: `webhook`, `slack`, `teams`, `splunk-hec`, `elasticsearch`, `syslog`, `alertmanager`, `pagerduty`, `file`, `stdout`. */
  readonly kind: string;
  /** Whether this sink wants the notification (severity, rules, clusters, namespaces, tags). */
  accepts(notification: Notification): boolean;
  send(batch: readonly Notification[]): Promise<void>;
  close(): Promise<void>;
}
