import { z } from 'zod';

import { ENCODING_NAMES, SEVERITY_NAMES } from '../encodings/index.js';

// Values substituted from ${ENV_VAR} arrive as strings, so numbers and
// booleans also accept their string spelling.

/** A positive whole number (or its digits as a string). */
export const positiveInt = () =>
  z.coerce
    .number({ error: 'expected a positive whole number' })
    .int('expected a positive whole number')
    .positive('expected a positive whole number');

/** A TCP port. */
export const portNumber = () =>
  z.coerce
    .number({ error: 'expected a port number 1-65535' })
    .int('expected a port number 1-65535')
    .min(1, 'expected a port number 1-65535')
    .max(65535, 'expected a port number 1-65535');

/** true/false (or "true"/"false"). */
export const bool = () =>
  z.preprocess(
    value => (value === 'true' ? true : value === 'false' ? false : value),
    z.boolean({ error: 'expected true or false' }),
  );

/** An http: or https: URL. */
export const httpUrl = () =>
  z.string().refine(
    value => {
      try {
        const { protocol } = new URL(value);
        return protocol === 'http:' || protocol === 'https:';
      } catch {
        return false;
      }
    },
    { message: 'expected an http:// or https:// URL' },
  );

/** A non-empty string (secrets, names). */
export const text = () => z.string().min(1, 'must not be empty');

/** HTTP header names to values. */
export const headers = () =>
  z
    .record(
      z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'invalid header name'),
      z.string(),
    )
    .default({});

/** Request timeout in ms. */
export const timeoutMs = () => positiveInt().default(10_000);

/** One of the encodings. */
export const encoding = (fallback: (typeof ENCODING_NAMES)[number]) =>
  z.enum(ENCODING_NAMES).default(fallback);

/** A list of at least one non-empty string. */
const patterns = () => z.array(text()).min(1, 'list at least one value');

/** Fields every sink kind accepts: identity, routing, pacing and retries. */
export const commonFields = {
  /** Stable id, e.g. `slack-secops`: letters, digits, `.`, `_`, `-`. */
  id: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
      "expected 1-64 letters, digits, '.', '_' or '-'",
    ),
  /** A disabled sink is loaded and validated but not created. */
  enabled: bool().default(true),
  minSeverity: z.enum(SEVERITY_NAMES).optional(),
  rules: patterns().optional(),
  clusters: patterns().optional(),
  namespaces: patterns().optional(),
  tags: patterns().optional(),
  rateLimitPerMinute: positiveInt().optional(),
  rateLimitBurst: positiveInt().optional(),
  digestWindowMs: positiveInt().optional(),
  /** Delivery attempts before a dead-letter record (read by the delivery loop). */
  maxAttempts: positiveInt().optional(),
};
