import { UnavailableError, errorMessage } from '@kubeguard/errors';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';

/** Settings of a key-value bucket, applied when the bucket is created. */
export interface KeyValueOptions {
  /** Values kept per key (the latest is what `get` returns). @default 1 */
  history?: number;
  /** @default 1 */
  replicas?: number;
}

/**
 * A JetStream key-value bucket holding bytes or strings. Keys are letters,
 * digits and `-/_=.` (a NATS subject with dots as separators). Every call
 * resolves once the server answered; `put` once the value is stored.
 */
export interface KeyValue {
  readonly bucket: string;
  /** The latest value, or undefined when the key was never set or was deleted. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The latest value as UTF-8 text, or undefined. */
  getString(key: string): Promise<string | undefined>;
  /** Stores a value; resolves with its revision once JetStream stored it. */
  put(key: string, value: Uint8Array | string): Promise<number>;
  delete(key: string): Promise<void>;
  /** Every key matching a subject-style filter (`p3.>`), with its latest text value. */
  entries(filter: string): Promise<{ key: string; value: string }[]>;
}

const BUCKET = /^[A-Za-z0-9_-]{1,64}$/;
const KEY = /^[-/_=.a-zA-Z0-9]+$/;

/**
 * A bucket handle that creates (or opens) the bucket on first use, and tries
 * again on the next call when that failed (e.g. NATS was down).
 * @throws UnavailableError from each call when the server cannot be reached
 */
export function openKeyValue(
  js: JetStreamClient,
  bucket: string,
  isConnected: () => boolean,
  options: KeyValueOptions = {},
): KeyValue {
  if (!BUCKET.test(bucket)) {
    throw new Error(
      `key-value bucket '${bucket}': expected 1-64 letters, digits, '-' or '_'`,
    );
  }
  let opening: Promise<KV> | undefined;
  const open = (): Promise<KV> => {
    opening ??= new Kvm(js)
      .create(bucket, {
        history: options.history ?? 1,
        replicas: options.replicas ?? 1,
      })
      .catch((err: unknown) => {
        opening = undefined;
        throw err;
      });
    return opening;
  };

  async function call<T>(
    what: string,
    key: string,
    fn: (kv: KV) => Promise<T>,
  ): Promise<T> {
    if (!KEY.test(key)) {
      throw new Error(
        `key-value ${bucket}: invalid key '${key}': use letters, digits and '-/_=.'`,
      );
    }
    if (!isConnected()) {
      throw new UnavailableError(
        `key-value ${bucket}: ${what} '${key}' failed: not connected to NATS`,
      );
    }
    try {
      return await fn(await open());
    } catch (err) {
      throw new UnavailableError(
        `key-value ${bucket}: ${what} '${key}' failed: ${errorMessage(err)}`,
        { cause: err },
      );
    }
  }

  const get = (key: string): Promise<Uint8Array | undefined> =>
    call('get', key, async kv => {
      const entry = await kv.get(key);
      return entry === null || entry.operation !== 'PUT'
        ? undefined
        : entry.value;
    });

  return {
    bucket,
    get,
    async getString(key) {
      const value = await get(key);
      return value === undefined
        ? undefined
        : Buffer.from(
            value.buffer,
            value.byteOffset,
            value.byteLength,
          ).toString('utf8');
    },
    put: (key, value) => call('put', key, kv => kv.put(key, value)),
    delete: key => call('delete', key, kv => kv.delete(key)),
    entries: filter =>
      call('list', filter.replace(/[*>]/g, '_'), async kv => {
        const out: { key: string; value: string }[] = [];
        for await (const key of await kv.keys(filter)) {
          const entry = await kv.get(key);
          if (entry !== null && entry.operation === 'PUT') {
            out.push({ key, value: entry.string() });
          }
        }
        return out;
      }),
  };
}
