import { Alert } from '@kubeguard/contracts';

import { SinkError } from '../../../src/sinks/errors.js';
import { isRetryableStatus, parseRetryAfter } from '../../../src/sinks/http.js';
import type { Notification, Sink } from '../../../src/sinks/sink.js';

/**
 * A minimal HTTP sink for the delivery tests: POSTs the whole batch as one
 * request, `{ notifications: [{ id, change, repeats, alert }] }`, and throws
 * `SinkError` the way the real sinks do. Kept here so the engine is tested
 * on its own, with batches of more than one.
 */
export function httpTestSink(
  id: string,
  url: string,
  accepts: (n: Notification) => boolean = () => true,
): Sink {
  return {
    id,
    kind: 'webhook',
    accepts,
    async send(batch) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            notifications: batch.map(n => ({
              id: n.id,
              change: n.change,
              repeats: n.repeats ?? 1,
              alert: Alert.toJSON(n.alert),
            })),
          }),
        });
      } catch (err) {
        throw new SinkError('SINK_UNREACHABLE', String(err), {
          sinkId: id,
          retryable: true,
          cause: err,
        });
      }
      if (res.ok) {
        return;
      }
      const retryAfterMs = parseRetryAfter(
        res.headers.get('retry-after'),
        Date.now(),
      );
      throw new SinkError('SINK_HTTP_STATUS', `HTTP ${String(res.status)}`, {
        sinkId: id,
        retryable: isRetryableStatus(res.status),
        status: res.status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    },
    close: async () => undefined,
  };
}
