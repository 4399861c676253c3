import type { Detection } from '@kubeguard/contracts';
import type { AlertStore, RecordResult } from '@kubeguard/storage-mongo';
import type { Counter } from 'prom-client';

/** Options of {@link createDetectionsHandler}. */
export interface DetectionsHandlerOptions {
  /**
   * Runs after each detection is stored, before the ack (e.g. to enqueue
   * notifications when `result.notify`, or `result.recorded` for a
   * duplicate). A failure naks the detection; its redelivery then reports
   * `duplicate`, so this must be idempotent.
   */
  onRecorded?: (result: RecordResult, detection: Detection) => Promise<void>;
}

/**
 * Adds each detection to its alert; the detection is acked only after the
 * write (and `onRecorded`). Counts results by change: created, updated,
 * reopened, duplicate.
 */
export function createDetectionsHandler(
  store: AlertStore,
  alerts: Counter<'result'>,
  options: DetectionsHandlerOptions = {},
): (detection: Detection) => Promise<void> {
  return async detection => {
    const result = await store.recordDetection(detection, new Date());
    await options.onRecorded?.(result, detection);
    alerts.inc({ result: result.change });
  };
}
