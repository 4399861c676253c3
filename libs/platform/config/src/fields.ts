import { z } from 'zod';

/** A TCP port; 0 asks the OS for a free one. */
export const port = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a port number 0-65535' })
    .int('expected a port number 0-65535')
    .min(0, 'expected a port number 0-65535')
    .max(65535, 'expected a port number 0-65535')
    .default(fallback);

/** A positive whole number, e.g. a duration in ms or a size in bytes. */
export const positiveInt = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a positive whole number' })
    .int('expected a positive whole number')
    .positive('expected a positive whole number')
    .default(fallback);

/** A URL with one of the given schemes, e.g. `nats:` or `mongodb:`. */
export const url = (schemes: readonly string[], fallback: string) =>
  z
    .string()
    .refine(value => hasScheme(value, schemes), {
      message: `expected a ${schemes.map(s => `${s}//`).join(' or ')} URL`,
    })
    .default(fallback);

/** A pino log level. */
export const logLevel = () =>
  z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
      error: 'expected one of trace, debug, info, warn, error, fatal, silent',
    })
    .default('info');

/** A NATS subject token or cluster name: letters, digits, '-' and '_'. */
export const token = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "expected 1-64 letters, digits, '-' or '_'")
    .default(fallback);

function hasScheme(value: string, schemes: readonly string[]): boolean {
  try {
    return schemes.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
