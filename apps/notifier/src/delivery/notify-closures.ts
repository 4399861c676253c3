import { AlertStatus } from '@kubeguard/contracts';
import type { AlertStore } from '@kubeguard/storage-mongo';

import { revisionCause, type AlertNotifier } from './alert-notifier.js';

const CLOSED: ReadonlySet<AlertStatus> = new Set([
  AlertStatus.RESOLVED,
  AlertStatus.DISMISSED,
]);

/**
 * The store, with `updateAlert` also notifying sinks when a person closes an
 * alert (resolved, or dismissed as harmless): change `resolved`, the alert's
 * status telling which, so PagerDuty and Alertmanager close what they opened.
 * The notification is stored before the call answers. Asking again for the
 * same status enqueues the same id while the alert has not changed since (its
 * revision is the same), so a caller retrying after a failed answer recovers
 * a lost notification without sending two. Alerts sinks never heard of
 * (suppressed) are skipped.
 */
export function withClosureNotifications<Store extends AlertStore>(
  store: Store,
  notifier: AlertNotifier,
): Store {
  return {
    ...store,
    async updateAlert(alertId, update, who, now) {
      const alert = await store.updateAlert(alertId, update, who, now);
      if (
        update.status !== undefined &&
        CLOSED.has(update.status) &&
        alert.status === update.status &&
        !alert.suppressed
      ) {
        await notifier.notify({
          alert,
          change: 'resolved',
          cause: revisionCause(alert),
        });
      }
      return alert;
    },
  };
}
