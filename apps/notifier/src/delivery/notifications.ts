import type { Alert } from '@kubeguard/contracts';
import type { OutboxEntry, OutboxItem } from '@kubeguard/storage-mongo';

import type { AlertChange, Notification, Sink } from '../sinks/sink.js';

/** One change of one alert, and what caused it. */
export interface AlertChangeEvent {
  alert: Alert;
  change: AlertChange;
  /**
   * Unique per change of this alert: `r<revision>` (see `revisionCause`).
   * It makes the notification id deterministic, so the same change enqueued
   * twice (a redelivered detection) is one delivery.
   */
  cause: string;
}

/**
 * The notification id: stable across redeliveries and restarts, distinct per
 * sink and per change. Receivers may de-duplicate on it.
 */
export function notificationId(
  sinkId: string,
  alertId: string,
  cause: string,
): string {
  return `${sinkId}:${alertId}:${cause}`;
}

/** The outbox entries of a change: one per sink whose routing accepts it. */
export function outboxEntriesFor(
  event: AlertChangeEvent,
  sinks: readonly Sink[],
): OutboxEntry<AlertChange>[] {
  const entries: OutboxEntry<AlertChange>[] = [];
  for (const sink of sinks) {
    const notification: Notification = {
      id: notificationId(sink.id, event.alert.alertId, event.cause),
      change: event.change,
      alert: event.alert,
    };
    if (sink.accepts(notification)) {
      entries.push({ ...notification, sinkId: sink.id });
    }
  }
  return entries;
}

/** The notification a sink is given for an outbox item. */
export function notificationOf(item: OutboxItem<AlertChange>): Notification {
  return {
    id: item.id,
    change: item.change,
    alert: item.alert,
    ...(item.repeats > 1 ? { repeats: item.repeats } : {}),
  };
}
