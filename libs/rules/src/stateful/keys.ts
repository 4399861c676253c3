import { createHash } from 'node:crypto';

/**
 * Values longer than this are kept as a prefix plus a digest, so one huge
 * requestURI cannot bloat a window (and two long values stay distinct).
 */
const MAX_VALUE_LENGTH = 256;
const KEPT_PREFIX = 200;

/**
 * A CEL result as a stable string. CEL hands back strings, JS numbers,
 * BigInt (ints), booleans, null, lists, maps (Map or object), bytes and
 * timestamps; `5`, `5n` and `5.0` all become `'5'`, so an int and the same
 * double land in one group.
 */
export function keyPart(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
      return value.toString();
    case 'number':
      return Object.is(value, -0) ? '0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return '';
    default:
      break;
  }
  if (value === null) {
    return '';
  }
  if (Array.isArray(value)) {
    return JSON.stringify(value.map(keyPart));
  }
  if (value instanceof Uint8Array) {
    return Buffer.from(value).toString('base64');
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  const entries =
    value instanceof Map
      ? [...(value as Map<unknown, unknown>).entries()].map(
          ([k, v]) => [keyPart(k), keyPart(v)] as const,
        )
      : typeof value === 'object'
        ? Object.entries(value).map(([k, v]) => [k, keyPart(v)] as const)
        : undefined;
  if (entries !== undefined) {
    // Keys sorted, so `{a, b}` and `{b, a}` are one value.
    return JSON.stringify(
      [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  // Functions and symbols: CEL never yields them.
  return '';
}

/** A value fit to keep in a window: long ones become a prefix plus a digest. */
export function boundedValue(value: string): string {
  if (value.length <= MAX_VALUE_LENGTH) {
    return value;
  }
  return `${value.slice(0, KEPT_PREFIX)}…#${sha256(value).slice(0, 16)}`;
}

/** The group key of an event: its cluster plus each group-by value. */
export function groupKeyOf(cluster: string, parts: readonly unknown[]): string {
  return JSON.stringify([cluster, ...parts.map(keyPart)]);
}

/**
 * The persistence key of one group of one rule: `<ruleId>.<sha256 hex>`, or
 * `<prefix>.<ruleId>.<sha256 hex>` with a prefix (e.g. the partition, so a
 * partition's state can move to another replica). Rule ids are kebab-case,
 * so the key is a valid NATS KV key when the prefix is.
 */
export function stateKey(ruleId: string, group: string, prefix = ''): string {
  const key = `${ruleId}.${sha256(group)}`;
  return prefix === '' ? key : `${prefix}.${key}`;
}

/** Whether a key prefix keeps keys valid for NATS KV: dot-separated tokens of `[-/_=a-zA-Z0-9]`. */
export function isKeyPrefix(prefix: string): boolean {
  return /^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$/.test(prefix);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
