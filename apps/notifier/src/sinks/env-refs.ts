import type { Env } from '@kubeguard/config';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A `${VAR}` that could not be resolved, with where it was. */
export interface MissingVariable {
  /** Path of the field, e.g. `headers.Authorization`. */
  field: string;
  variable: string;
}

/**
 * Replaces `${VAR}` in every string of `value` (recursively) with the
 * environment variable; `$${` stands for a literal `${`. Unset or empty
 * variables are reported, not replaced by ''.
 */
export function resolveEnvReferences(
  value: unknown,
  env: Env,
  missing: MissingVariable[],
  path = '',
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (match, name: string | undefined) => {
      if (name === undefined) {
        return '${';
      }
      const resolved = env[name];
      if (resolved === undefined || resolved === '') {
        missing.push({ field: path, variable: name });
        return match;
      }
      return resolved;
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      resolveEnvReferences(item, env, missing, `${path}[${String(i)}]`),
    );
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        resolveEnvReferences(
          item,
          env,
          missing,
          path === '' ? key : `${path}.${key}`,
        ),
      ]),
    );
  }
  return value;
}
