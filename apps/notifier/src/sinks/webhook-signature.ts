import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header with `sha256=<hex>`: HMAC-SHA256 over `<timestamp>.<body>`. */
export const SIGNATURE_HEADER = 'X-Kubeguard-Signature';

/** Header with the signing time in seconds since epoch. */
export const TIMESTAMP_HEADER = 'X-Kubeguard-Timestamp';

/** How far a receiver should let the timestamp drift before refusing (5 minutes). */
export const DEFAULT_TOLERANCE_MS = 5 * 60_000;

/**
 * The signature header value for `body` sent at `timestamp` (seconds):
 * `sha256=` + hex HMAC-SHA256, keyed with the shared secret, over the
 * timestamp, a `.`, and the exact bytes of the body. Signing the timestamp
 * with the body stops a replay with a fresh timestamp.
 */
export function signWebhook(
  secret: string,
  timestamp: number,
  body: string,
): string {
  const mac = createHmac('sha256', secret)
    .update(`${String(timestamp)}.`)
    .update(body)
    .digest('hex');
  return `sha256=${mac}`;
}

/** What a receiver got. */
export interface SignedRequest {
  secret: string;
  /** The raw body, exactly as received (before any JSON parsing). */
  body: string;
  /** The X-Kubeguard-Timestamp header. */
  timestamp: string | undefined;
  /** The X-Kubeguard-Signature header. */
  signature: string | undefined;
  /** Receiver's clock, ms since epoch. */
  nowMs: number;
  toleranceMs?: number;
}

/**
 * How a receiver verifies a webhook from Kubeguard:
 *
 * 1. Read the raw body and the `X-Kubeguard-Timestamp` and
 *    `X-Kubeguard-Signature` headers.
 * 2. Refuse when the timestamp is more than 5 minutes from your clock (replay).
 * 3. Compute `sha256=` + hex(HMAC-SHA256(secret, timestamp + "." + body)) and
 *    compare it with the header in constant time.
 * 4. De-duplicate on `X-Kubeguard-Notification-Id` (a retry repeats it).
 *
 * In a shell: `printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET"`.
 */
export function verifyWebhookSignature(request: SignedRequest): boolean {
  const { timestamp, signature } = request;
  if (timestamp === undefined || signature === undefined) {
    return false;
  }
  if (!/^\d+$/.test(timestamp)) {
    return false;
  }
  const seconds = Number(timestamp);
  const tolerance = request.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  if (Math.abs(request.nowMs - seconds * 1000) > tolerance) {
    return false;
  }
  const expected = Buffer.from(
    signWebhook(request.secret, seconds, request.body),
  );
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
