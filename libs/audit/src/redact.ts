/** The value that replaces a secret; key names stay so rules can still see them. */
export const REDACTED = '[redacted]';

/** Field names that hold credentials wherever they appear. */
const CREDENTIAL_KEY =
  /^(password|passwd|token|secret|apikey|api_key|access_?key|private_?key|client_?secret|bearer)$/i;

/**
 * Replaces secret values in a request or response object: every value of a
 * Secret's `data` and `stringData`, a TokenRequest's issued token, and any
 * field named like a credential. Returns whether anything was replaced.
 * Mutates `object` in place: it was parsed for this event alone.
 */
export function redactObject(object: unknown, resource: string): boolean {
  let redacted = false;
  if (resource === 'secrets' && isObject(object)) {
    for (const key of ['data', 'stringData']) {
      const values = object[key];
      if (isObject(values)) {
        for (const name of Object.keys(values)) {
          values[name] = REDACTED;
          redacted = true;
        }
      }
    }
    // A SecretList (list with RequestResponse level) carries items.
    const items = object['items'];
    if (Array.isArray(items)) {
      for (const item of items) {
        redacted = redactObject(item, 'secrets') || redacted;
      }
    }
  }
  return redactCredentialKeys(object) || redacted;
}

function redactCredentialKeys(value: unknown): boolean {
  let redacted = false;
  if (Array.isArray(value)) {
    for (const item of value) {
      redacted = redactCredentialKeys(item) || redacted;
    }
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (
        typeof child === 'string' &&
        child !== '' &&
        CREDENTIAL_KEY.test(key)
      ) {
        value[key] = REDACTED;
        redacted = true;
      } else {
        redacted = redactCredentialKeys(child) || redacted;
      }
    }
  }
  return redacted;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
