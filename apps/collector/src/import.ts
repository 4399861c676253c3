import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { RawSource } from '@kubeguard/contracts';

import { isGzip } from './gzip.js';
import { LineBatch, LineSplitter, type BatchLimits } from './lines.js';
import type { RawStore } from './raw-store.js';

/** Options of {@link importStream}. */
export interface ImportOptions {
  store: RawStore;
  /** RawBatch.origin, e.g. the file path or `stdin`. */
  origin: string;
  /** Overrides the collector's default cluster. */
  cluster?: string;
  /** Lines per batch at most. @default 1000 */
  maxLines?: number;
  /** Body bytes per batch at most; keep below NATS max_payload. @default 1000000 */
  maxBytes?: number;
  /** Longer lines are skipped and counted. @default 12 MiB */
  maxLineBytes?: number;
}

/** What an import stored. */
export interface ImportResult {
  /** Non-blank lines stored. */
  lines: number;
  /** Batches published (duplicates included). */
  batches: number;
  /** Batches JetStream already had (the same bytes imported moments ago). */
  duplicateBatches: number;
  /** Lines longer than `maxLineBytes`, not stored. */
  skippedLines: number;
  /** Bytes read after decompression. */
  bytes: number;
}

/**
 * Imports audit events from a stream of JSON lines (as `--audit-log-path`
 * writes them), plain or gzip (detected by its magic bytes): batches the
 * lines like the file tailer and stores each batch through the RawStore,
 * one after another, each acknowledged before the next is read.
 * @throws UnavailableError when a batch cannot be stored (the batches before
 *   it are stored; importing again is de-duplicated within JetStream's window)
 */
export async function importStream(
  input: AsyncIterable<Uint8Array>,
  options: ImportOptions,
): Promise<ImportResult> {
  const limits: BatchLimits = {
    maxLines: options.maxLines ?? 1000,
    maxBytes: options.maxBytes ?? 1_000_000,
  };
  const splitter = new LineSplitter(options.maxLineBytes ?? 12 * 1024 * 1024);
  const result: ImportResult = {
    lines: 0,
    batches: 0,
    duplicateBatches: 0,
    skippedLines: 0,
    bytes: 0,
  };
  let batch = new LineBatch(limits, 0);

  const publish = async (): Promise<void> => {
    if (batch.lines.length > 0) {
      const stored = await options.store.store({
        body: batch.body(),
        contentType: 'application/json',
        source: RawSource.FILE,
        origin: options.origin,
        ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
      });
      result.batches += 1;
      result.lines += batch.lines.length;
      if (stored.duplicate) {
        result.duplicateBatches += 1;
      }
    }
    batch = new LineBatch(limits, batch.end);
  };
  const take = async (item: ReturnType<LineSplitter['finish']>) => {
    if (item === undefined) {
      return;
    }
    if (item.kind === 'oversized') {
      result.skippedLines += 1;
      batch.add(undefined, item.end, Date.now());
      return;
    }
    if (!batch.fits(item.text.length)) {
      await publish();
    }
    batch.add(item.text, item.end, Date.now());
  };

  for await (const chunk of plainBytes(input)) {
    result.bytes += chunk.length;
    for (const item of splitter.push(chunk)) {
      await take(item);
    }
  }
  await take(splitter.finish());
  await publish();
  return result;
}

/**
 * Imports one file (plain or gzip) with {@link importStream}; the origin is
 * the path unless given.
 */
export async function importFile(
  path: string,
  options: Omit<ImportOptions, 'origin'> & { origin?: string },
): Promise<ImportResult> {
  const stream = createReadStream(path);
  try {
    return await importStream(stream, {
      ...options,
      origin: options.origin ?? path,
    });
  } finally {
    stream.destroy();
  }
}

/** The input's bytes, gunzipped when it starts with the gzip magic. */
async function* plainBytes(
  input: AsyncIterable<Uint8Array>,
): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    head = Buffer.concat([head, next.value]);
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) {
      yield head;
    }
    while (!ended) {
      const next = await iterator.next();
      if (next.done === true) {
        return;
      }
      yield Buffer.from(
        next.value.buffer,
        next.value.byteOffset,
        next.value.byteLength,
      );
    }
  }
  if (!isGzip(head)) {
    yield* all();
    return;
  }
  const source = Readable.from(all());
  const gunzip = createGunzip();
  source.on('error', err => gunzip.destroy(err));
  try {
    for await (const chunk of source.pipe(gunzip)) {
      yield chunk as Buffer;
    }
  } finally {
    source.destroy();
  }
}
