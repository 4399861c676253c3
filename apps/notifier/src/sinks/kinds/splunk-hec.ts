import { z } from 'zod';

import { alertTime, ENCODERS } from '../../encodings/index.js';
import {
  commonFields,
  encoding,
  httpUrl,
  text,
  timeoutMs,
} from '../config-fields.js';
import { encodeContext, userAgent, type ResolvedDeps } from '../deps.js';
import { SinkError } from '../errors.js';
import { postHttp } from '../http.js';
import { createRouteFilter } from '../routing.js';
import type { Notification, Sink } from '../sink.js';

/** `kind: splunk-hec` — Splunk HTTP Event Collector. */
export const splunkHecSchema = z.strictObject({
  ...commonFields,
  kind: z.literal('splunk-hec'),
  /** Base URL of the collector, e.g. `https://splunk.example.com:8088`. */
  url: httpUrl(),
  /** The HEC token: give it as `${SPLUNK_HEC_TOKEN}`. */
  token: text(),
  index: text().optional(),
  source: text().default('kubeguard'),
  sourcetype: text().default('kubeguard:alert'),
  /** `host` of every event; default: the alert's cluster, else this machine. */
  host: text().optional(),
  encoding: encoding('json'),
  timeoutMs: timeoutMs(),
});

/** A validated Splunk HEC sink configuration. */
export type SplunkHecSinkConfig = z.infer<typeof splunkHecSchema>;

/** The HEC endpoint for JSON events. */
export const HEC_EVENT_PATH = '/services/collector/event';

/**
 * The request body: one `{time, host, source, sourcetype, index?, event}`
 * object per notification, newline-separated. `time` is the alert's time in
 * seconds with millisecond decimals; `event` the chosen encoding (a JSON
 * object, or the CEF line as a string).
 */
export function hecBody(
  batch: readonly Notification[],
  config: SplunkHecSinkConfig,
  deps: ResolvedDeps,
): string {
  const encoder = ENCODERS[config.encoding];
  const context = encodeContext(deps);
  return batch
    .map(notification => {
      const payload = encoder.encode(notification, context);
      const alert = notification.alert;
      return JSON.stringify({
        time: alertTime(alert, context.now).getTime() / 1000,
        host: config.host ?? (alert.cluster || deps.hostname),
        source: config.source,
        sourcetype: config.sourcetype,
        ...(config.index === undefined ? {} : { index: config.index }),
        event: payload.value,
      });
    })
    .join('\n');
}

/**
 * Sends a batch in one request with `Authorization: Splunk <token>`. When
 * HEC refuses an event it reports its position (`invalid-event-number`) and
 * has indexed the ones before it: those are reported as delivered.
 */
export function createSplunkHecSink(
  config: SplunkHecSinkConfig,
  deps: ResolvedDeps,
): Sink {
  const url = `${config.url.replace(/\/+$/, '')}${HEC_EVENT_PATH}`;
  return {
    id: config.id,
    kind: config.kind,
    accepts: createRouteFilter(config),
    async send(batch) {
      if (batch.length === 0) {
        return;
      }
      try {
        await postHttp(
          config.id,
          {
            url,
            headers: {
              Authorization: `Splunk ${config.token}`,
              'Content-Type': 'application/json; charset=utf-8',
              'User-Agent': userAgent(deps),
            },
            body: hecBody(batch, config, deps),
            timeoutMs: config.timeoutMs,
          },
          deps.clock,
        );
      } catch (error) {
        throw error instanceof SinkError
          ? error.withDelivered(indexedBefore(error, batch))
          : error;
      }
    },
    close: () => Promise.resolve(),
  };
}

/** Ids HEC indexed before the event it refused. */
function indexedBefore(
  error: SinkError,
  batch: readonly Notification[],
): string[] {
  if (error.status !== 400 || error.body === undefined) {
    return [];
  }
  try {
    const answer = JSON.parse(error.body) as Record<string, unknown>;
    const invalid = answer['invalid-event-number'];
    return typeof invalid === 'number' && invalid > 0
      ? batch.slice(0, invalid).map(n => n.id)
      : [];
  } catch {
    return [];
  }
}
