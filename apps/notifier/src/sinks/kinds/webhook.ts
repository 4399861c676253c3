import { z } from 'zod';

import { ENCODERS, payloadText } from '../../encodings/index.js';
import {
  commonFields,
  encoding,
  headers,
  httpUrl,
  text,
  timeoutMs,
} from '../config-fields.js';
import { encodeContext, userAgent, type ResolvedDeps } from '../deps.js';
import { postHttp } from '../http.js';
import { createRouteFilter } from '../routing.js';
import { sendEach } from '../send-each.js';
import type { Sink } from '../sink.js';
import {
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
} from '../webhook-signature.js';

/** `kind: webhook` — a POST of the chosen encoding per notification. */
export const webhookSchema = z.strictObject({
  ...commonFields,
  kind: z.literal('webhook'),
  url: httpUrl(),
  headers: headers(),
  encoding: encoding('json'),
  /** Shared secret for the X-Kubeguard-Signature HMAC; no signature without it. */
  secret: text().min(16, 'use a secret of at least 16 characters').optional(),
  timeoutMs: timeoutMs(),
});

/** A validated webhook sink configuration. */
export type WebhookSinkConfig = z.infer<typeof webhookSchema>;

/**
 * POSTs each notification as its own request, body = the encoding (JSON, or
 * the CEF line as text/plain), with headers `X-Kubeguard-Notification-Id`
 * (de-duplication key), `X-Kubeguard-Change`, the configured custom headers
 * and, with a secret, `X-Kubeguard-Timestamp` + `X-Kubeguard-Signature`
 * (see verifyWebhookSignature).
 */
export function createWebhookSink(
  config: WebhookSinkConfig,
  deps: ResolvedDeps,
): Sink {
  const encoder = ENCODERS[config.encoding];
  return {
    id: config.id,
    kind: config.kind,
    accepts: createRouteFilter(config),
    send: batch =>
      sendEach(batch, async notification => {
        const body = payloadText(
          encoder.encode(notification, encodeContext(deps)),
        );
        const signature: Record<string, string> = {};
        if (config.secret !== undefined) {
          const timestamp = Math.floor(deps.clock() / 1000);
          signature[TIMESTAMP_HEADER] = String(timestamp);
          signature[SIGNATURE_HEADER] = signWebhook(
            config.secret,
            timestamp,
            body,
          );
        }
        await postHttp(
          config.id,
          {
            url: config.url,
            headers: {
              'Content-Type': encoder.mediaType,
              'User-Agent': userAgent(deps),
              'X-Kubeguard-Notification-Id': notification.id,
              'X-Kubeguard-Change': notification.change,
              ...config.headers,
              ...signature,
            },
            body,
            timeoutMs: config.timeoutMs,
          },
          deps.clock,
        );
      }),
    close: () => Promise.resolve(),
  };
}
