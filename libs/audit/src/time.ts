/**
 * Parses an RFC 3339 timestamp as the API server writes it
 * (`2024-05-01T10:00:00.123456Z`) into microseconds since the epoch, keeping
 * the microseconds that `Date` would drop. Returns undefined when unreadable.
 */
export function parseMicros(value: unknown): number | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    return undefined;
  }
  const fraction = /\.(\d+)/.exec(value)?.[1] ?? '';
  // Date.parse kept the first three digits; add the next three.
  const extraMicros = Number(fraction.slice(3, 6).padEnd(3, '0'));
  return ms * 1000 + extraMicros;
}
