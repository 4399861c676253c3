import type { Detection } from '@kubeguard/contracts';
import type { AlertStore } from '@kubeguard/storage-mongo';
import type { Counter } from 'prom-client';

/**
 * Stores the alert of each detection; the detection is acked only after the
 * write. A redelivered detection finds its alert and changes nothing.
 */
export function createDetectionsHandler(
  store: AlertStore,
  alerts: Counter<'result'>,
): (detection: Detection) => Promise<void> {
  return async detection => {
    const { created } = await store.recordDetection(detection, new Date());
    alerts.inc({ result: created ? 'created' : 'repeat' });
  };
}
