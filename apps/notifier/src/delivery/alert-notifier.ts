import type { Alert } from '@kubeguard/contracts';
import type { Outbox, RecordResult } from '@kubeguard/storage-mongo';

import type { AlertChange, Sink } from '../sinks/sink.js';
import { outboxEntriesFor, type AlertChangeEvent } from './notifications.js';

/** Turns alert changes into persisted notifications. */
export interface AlertNotifier {
  /**
   * Stores one notification per sink that accepts the change, then wakes
   * those sinks' loops. Resolves once the outbox has them, so the caller can
   * acknowledge its input. Idempotent on (sink, alert, cause).
   * @returns how many notifications were new
   */
  notify(event: AlertChangeEvent): Promise<number>;
}

/** Options of {@link createAlertNotifier}. */
export interface AlertNotifierOptions {
  sinks: readonly Sink[];
  outbox: Outbox<AlertChange>;
  /** Called with the sinks that got new notifications. */
  wake: (sinkIds: readonly string[]) => void;
}

/** Creates the {@link AlertNotifier}. */
export function createAlertNotifier(
  options: AlertNotifierOptions,
): AlertNotifier {
  return {
    async notify(event) {
      const entries = outboxEntriesFor(event, options.sinks);
      if (entries.length === 0) {
        return 0;
      }
      const added = await options.outbox.enqueue(entries, new Date());
      // Also when nothing was new: an earlier attempt may have stored them
      // without waking anyone.
      options.wake([...new Set(entries.map(entry => entry.sinkId))]);
      return added;
    },
  };
}

/** The changes of an alert that sinks hear of when a detection makes them. */
const NOTIFIED: ReadonlySet<string> = new Set([
  'created',
  'updated',
  'reopened',
]);

/**
 * Notifies the change a detection made, as the store reports it. Suppressed
 * and dismissed alerts are kept but not notified (`notify` false). A
 * redelivered detection (`duplicate`) enqueues the change it made the first
 * time, again, under the same ids: a no-op when the first attempt stored
 * them, and the recovery of the notification when the notifier died between
 * the alert write and the outbox write.
 */
export async function notifyDetection(
  notifier: AlertNotifier,
  recorded: RecordResult,
): Promise<number> {
  const made =
    recorded.change === 'duplicate'
      ? recorded.recorded
      : {
          change: recorded.change,
          alert: recorded.alert,
          notify: recorded.notify,
        };
  if (!made?.notify || !NOTIFIED.has(made.change)) {
    return 0;
  }
  return notifier.notify({
    alert: made.alert,
    change: made.change as AlertChange,
    cause: revisionCause(made.alert),
  });
}

/** The cause of a change by its alert revision: unique per change of an alert. */
export function revisionCause(alert: Alert): string {
  return `r${String(alert.revision)}`;
}
