import { createHash } from 'node:crypto';

/** A short, stable digest of its parts (NUL-separated so parts cannot run together). */
export function digest(...parts: readonly string[]): string {
  return createHash('sha256')
    .update(parts.join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}
