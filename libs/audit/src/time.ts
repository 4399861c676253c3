/** `2024-05-01T10:00:00.123456Z`: the form the API server writes, parsed without Date. */
const API_SERVER_FORM =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * Parses an RFC 3339 timestamp into microseconds since the epoch, keeping the
 * microseconds that `Date` would drop. The API server's own UTC form takes a
 * fast path (this runs twice per event); other offsets go through Date.
 * Returns undefined when unreadable.
 */
export function parseMicros(value: unknown): number | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const m = API_SERVER_FORM.exec(value);
  if (m) {
    const ms = Date.UTC(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
    );
    return Number.isNaN(ms) ? undefined : ms * 1000 + fractionMicros(m[7]);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    return undefined;
  }
  // Date.parse kept the milliseconds; add the next three digits.
  return ms * 1000 + (fractionMicros(/\.(\d+)/.exec(value)?.[1]) % 1000);
}

function fractionMicros(fraction: string | undefined): number {
  return fraction === undefined
    ? 0
    : Number(fraction.slice(0, 6).padEnd(6, '0'));
}
