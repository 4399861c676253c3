import { SinkError } from './errors.js';

/** One HTTP request a sink makes. */
export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** A 2xx answer. */
export interface HttpAnswer {
  status: number;
  body: string;
}

const EXCERPT_CHARS = 300;

/** Statuses worth retrying besides 5xx: request timeout and too many requests. */
const RETRYABLE_4XX = new Set([408, 429]);

/**
 * POSTs `request` and resolves with the answer when the receiver accepted it
 * (2xx). Anything else throws a {@link SinkError}: non-2xx statuses with the
 * status, a body excerpt and Retry-After as `retryAfterMs`; timeouts
 * (AbortSignal.timeout) and connection failures as retryable. Redirects are
 * not followed: a POST endpoint that redirects is misconfigured.
 */
export async function postHttp(
  sinkId: string,
  request: HttpRequest,
  now: () => number = Date.now,
): Promise<HttpAnswer> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  let body: string;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal,
    });
    body = await response.text();
  } catch (error) {
    throw transportError(sinkId, request, error);
  }
  if (response.status >= 200 && response.status < 300) {
    return { status: response.status, body };
  }
  const retryAfterMs = parseRetryAfter(
    response.headers.get('retry-after'),
    now(),
  );
  throw new SinkError(
    'SINK_HTTP_STATUS',
    `${redact(request.url)} answered ${String(response.status)}: ${excerpt(body)}`,
    {
      sinkId,
      retryable: isRetryableStatus(response.status),
      status: response.status,
      body: excerpt(body),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  );
}

/** 5xx, 408 and 429 may succeed later; other statuses will not. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || RETRYABLE_4XX.has(status);
}

/** Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP date. */
export function parseRetryAfter(
  value: string | null,
  nowMs: number,
): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The start of a receiver's answer, on one line. */
export function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS
    ? `${flat.slice(0, EXCERPT_CHARS)}…`
    : flat;
}

/** The URL without credentials, query or path secrets, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    // Webhook URLs (Slack, Teams, PagerDuty) carry their secret in the path or query.
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '<invalid url>';
  }
}

function transportError(
  sinkId: string,
  request: HttpRequest,
  error: unknown,
): SinkError {
  const target = redact(request.url);
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return new SinkError(
      'SINK_TIMEOUT',
      `${target} did not answer within ${String(request.timeoutMs)} ms`,
      { sinkId, retryable: true, cause: error },
    );
  }
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  const detail =
    cause instanceof Error
      ? ((cause as NodeJS.ErrnoException).code ?? cause.message)
      : error instanceof Error
        ? error.message
        : String(error);
  return new SinkError(
    'SINK_UNREACHABLE',
    `cannot reach ${target}: ${detail}`,
    {
      sinkId,
      retryable: true,
      cause: error,
    },
  );
}

/**
 * The Authorization header of a sink: `<scheme> <token>` when a token is
 * set, else HTTP Basic when both username and password are, else none.
 */
export function authorizationHeader(
  token: { scheme: string; value: string | undefined },
  basic: { username?: string | undefined; password?: string | undefined },
): Record<string, string> {
  if (token.value !== undefined) {
    return { Authorization: `${token.scheme} ${token.value}` };
  }
  if (basic.username !== undefined && basic.password !== undefined) {
    const pair = Buffer.from(`${basic.username}:${basic.password}`);
    return { Authorization: `Basic ${pair.toString('base64')}` };
  }
  return {};
}
