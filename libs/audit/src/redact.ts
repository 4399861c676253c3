/** The value that replaces a secret; key names stay so rules can still see them. */
export const REDACTED = '[redacted]';

/** Field names that hold credentials wherever they appear. */
const CREDENTIAL_KEY =
  /^(password|passwd|pwd|token|id_?token|access_?token|refresh_?token|secret|client_?secret|api_?key|access_?key|secret_?access_?key|private_?key|bearer|authorization|credentials?)$/i;

/**
 * Names of environment variables whose literal value is probably a
 * credential. Broad on purpose (`KEY` catches `ENCRYPTION_KEY`): a masked
 * harmless value costs little, a leaked credential a lot.
 */
const CREDENTIAL_ENV_NAME = /pass|pwd|secret|token|key|credential|auth/i;

/**
 * Settings that choose a mode rather than hold a secret
 * (`POSTGRES_HOST_AUTH_METHOD=trust`, `TOKEN_TYPE=jwt`): kept when the value
 * is one short word, because the mode is what detections look at.
 */
const SETTING_ENV_NAME = /_(METHOD|MODE|TYPE|ENABLED|DISABLED|REQUIRED)$/i;
const KEYWORD_VALUE = /^[A-Za-z][A-Za-z0-9._-]{0,31}$/;

/** Whether a literal env var of this name and value holds a credential. */
export function isCredentialEnv(name: string, value: string): boolean {
  return (
    CREDENTIAL_ENV_NAME.test(name) &&
    !(SETTING_ENV_NAME.test(name) && KEYWORD_VALUE.test(value))
  );
}

/** Credentials that appear inside free text, e.g. an annotation or a command line. */
const INLINE_CREDENTIAL = [
  /(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
  /(\b(?:password|passwd|pwd|token|secret|api[_-]?key)\s*[=:]\s*)[^\s&,;"']+/gi,
];

/**
 * Replaces secret values in a request or response object, in place (it was
 * parsed for this event alone): every value of a Secret's `data` and
 * `stringData` (also inside lists), the token a TokenRequest returns, literal
 * env values whose variable name looks like a credential, and any field named
 * like a credential. Key names stay. Returns whether anything was replaced.
 */
export function redactObject(
  object: unknown,
  resource: string,
  subresource = '',
): boolean {
  let redacted = false;
  if (resource === 'secrets') {
    redacted = redactSecretValues(object);
  }
  // ConfigMaps are where credentials end up by mistake, inside connection strings.
  if (resource === 'configmaps') {
    redacted = redactInlineValues(object) || redacted;
  }
  // serviceaccounts/token answers with a TokenRequest whose status carries the token.
  if (
    resource === 'serviceaccounts' &&
    subresource === 'token' &&
    isObject(object)
  ) {
    const status = object['status'];
    if (isObject(status) && typeof status['token'] === 'string') {
      status['token'] = REDACTED;
      redacted = true;
    }
  }
  return redactNested(object) || redacted;
}

/**
 * Replaces credentials found inside annotation values (a bearer token or a
 * `password=` pair) and values of annotations named like a credential.
 */
export function redactAnnotations(
  annotations: Record<string, string>,
): boolean {
  let redacted = false;
  for (const [key, value] of Object.entries(annotations)) {
    const lastSegment = key.split('/').pop() ?? key;
    const replaced = CREDENTIAL_KEY.test(lastSegment)
      ? REDACTED
      : redactInline(value);
    if (replaced !== value) {
      annotations[key] = replaced;
      redacted = true;
    }
  }
  return redacted;
}

/** One cheap test that rules out almost every annotation before the patterns run. */
const MAY_HOLD_CREDENTIAL = /bearer|pass|pwd|token|secret|api[_-]?key/i;

/** Masks credentials embedded in free text, keeping the text around them. */
export function redactInline(text: string): string {
  if (!MAY_HOLD_CREDENTIAL.test(text)) {
    return text;
  }
  let out = text;
  for (const pattern of INLINE_CREDENTIAL) {
    out = out.replace(pattern, `$1${REDACTED}`);
  }
  return out;
}

function redactInlineValues(object: unknown): boolean {
  let redacted = false;
  const visit = (configMap: unknown): void => {
    if (!isObject(configMap)) {
      return;
    }
    const data = configMap['data'];
    if (isObject(data)) {
      for (const [key, value] of Object.entries(data)) {
        if (typeof value === 'string') {
          const masked = redactInline(value);
          if (masked !== value) {
            data[key] = masked;
            redacted = true;
          }
        }
      }
    }
    const items = configMap['items'];
    if (Array.isArray(items)) {
      items.forEach(visit);
    }
  };
  visit(object);
  return redacted;
}

function redactSecretValues(object: unknown): boolean {
  if (!isObject(object)) {
    return false;
  }
  let redacted = false;
  for (const key of ['data', 'stringData']) {
    const values = object[key];
    if (isObject(values)) {
      for (const name of Object.keys(values)) {
        values[name] = REDACTED;
        redacted = true;
      }
    }
  }
  // A SecretList (a list at RequestResponse level) carries items.
  const items = object['items'];
  if (Array.isArray(items)) {
    for (const item of items) {
      redacted = redactSecretValues(item) || redacted;
    }
  }
  return redacted;
}

function redactNested(value: unknown): boolean {
  let redacted = false;
  if (Array.isArray(value)) {
    for (const item of value) {
      redacted = redactNested(item) || redacted;
    }
    return redacted;
  }
  if (!isObject(value)) {
    return false;
  }
  // A container env entry: { name, value } with a literal value.
  if (
    typeof value['name'] === 'string' &&
    typeof value['value'] === 'string' &&
    value['value'] !== ''
  ) {
    if (isCredentialEnv(value['name'], value['value'])) {
      value['value'] = REDACTED;
      redacted = true;
    } else {
      const masked = redactInline(value['value']);
      if (masked !== value['value']) {
        value['value'] = masked;
        redacted = true;
      }
    }
  }
  // for-in rather than Object.entries: this walks every node of every request
  // object, and the entry arrays were a large share of the normalizer's time.
  for (const key in value) {
    const child = value[key];
    if (typeof child === 'string') {
      if (child !== '' && child !== REDACTED && CREDENTIAL_KEY.test(key)) {
        value[key] = REDACTED;
        redacted = true;
      }
    } else if (typeof child === 'object' && child !== null) {
      redacted = redactNested(child) || redacted;
    }
  }
  return redacted;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
