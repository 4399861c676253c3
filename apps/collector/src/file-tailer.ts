import { createHash } from 'node:crypto';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

import type { DeadLetterInput } from '@kubeguard/bus';
import { RawSource, rawSubject } from '@kubeguard/contracts';
import { errorMessage } from '@kubeguard/errors';
import type { Logger } from '@kubeguard/log';
import type { Counter } from 'prom-client';

import {
  LineBatch,
  LineSplitter,
  type BatchLimits,
  type SplitItem,
} from './lines.js';
import type { RawStore } from './raw-store.js';

/** Where committed offsets live: a JetStream key-value bucket (`bus.keyValue`). */
export interface OffsetStore {
  getString(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<number>;
}

/** Options of {@link startFileTailer}. */
export interface FileTailerOptions {
  /** Absolute path of the audit log (`--audit-log-path`). */
  path: string;
  store: RawStore;
  offsets: OffsetStore;
  log: Logger;
  /** How often the file is checked for new lines and rotation. */
  pollMs: number;
  /** A batch with fewer lines than the limits is published once its first line is this old. */
  batchMs: number;
  limits: BatchLimits;
  /** Longer lines are not published but dead-lettered (an excerpt) and skipped. */
  maxLineBytes: number;
  /** The cluster stamped on the batches; the store's default when absent. */
  cluster?: string;
  /** Records lines that cannot be published, e.g. `bus.deadLetter`. */
  deadLetter?: (input: DeadLetterInput) => Promise<void>;
  /** Counts lines by result: `stored` or `skipped`. */
  lines?: Counter<'result'>;
}

/** A running tailer. */
export interface FileTailer {
  readonly path: string;
  /** Stops polling, publishes and commits what was read if it can, closes the file. */
  stop(): Promise<void>;
}

/**
 * The durable position in one file, stored as JSON under the path's key.
 * Everything before `offset` is stored on AUDIT_RAW. `pending` is a batch
 * whose publish began: after a restart it is rebuilt with the same range, so
 * its msg id and bytes are the same and JetStream drops it if it was stored.
 */
interface OffsetRecord {
  v: 1;
  path: string;
  /** Inode of the file the offset refers to. */
  ino: string;
  /** Generation: grows with each new file at the path (rotation, truncation). */
  gen: number;
  offset: number;
  /** SHA-256 (hex) of the file's first `headLen` bytes, to recognise it. */
  head: string;
  headLen: number;
  pending?: { start: number; end: number };
  /** The file was read to its end and left behind (rotated away). */
  complete?: boolean;
}

/** The file being read and where it stands. */
interface Current {
  fh: FileHandle;
  ino: string;
  gen: number;
  /** Start of the next line not yet in a batch. */
  consumed: number;
  head: string;
  headLen: number;
  /** A batch must end exactly here (rebuilding a pending batch after a restart). */
  forcedEnd: number | undefined;
  /** The path no longer names this file; one more poll for late writes, then switch. */
  rotationSeen: boolean;
}

const HEAD_BYTES = 256;
const READ_CHUNK = 1024 * 1024;
const MAX_BACKOFF_MS = 5_000;

/** The key-value key of a path: letters and digits only. */
export function offsetKey(path: string): string {
  return createHash('sha256').update(path).digest('hex').slice(0, 40);
}

/** Starts one {@link startFileTailer} per path; `stop` stops them all. */
export function startFileTailers(
  paths: readonly string[],
  options: Omit<FileTailerOptions, 'path'>,
): { tailers: FileTailer[]; stop(): Promise<void> } {
  const tailers = paths.map(path => startFileTailer({ ...options, path }));
  return {
    tailers,
    stop: async () => {
      await Promise.all(tailers.map(t => t.stop()));
    },
  };
}

/**
 * Tails an audit log of JSON lines across rotation, polling every `pollMs`:
 * - lines are published in batches (`limits`, or `batchMs` after the first
 *   line) as RawBatch messages (source FILE, origin the path) whose msg id is
 *   derived from path, inode, generation and start offset;
 * - the offset is committed to the key-value store only after JetStream
 *   acknowledged the batch, and a restart resumes from it;
 * - rename rotation (the path names a new inode) reads the old file to its
 *   end, one more poll later for late writes, before switching to the new one;
 *   after a restart the old file is looked for among its siblings by inode;
 * - copytruncate (the file shrinks, or its first bytes change) reads the rest
 *   from the copy when a sibling starts with the same bytes, then starts over;
 * - a last line without its newline waits, unless the file was rotated away.
 */
export function startFileTailer(options: FileTailerOptions): FileTailer {
  const { path, log } = options;
  const key = offsetKey(path);
  let record: OffsetRecord | undefined;
  let loaded = false;
  let cur: Current | undefined;
  let batch: LineBatch | undefined;
  /** The current batch's publish has begun: it may not grow any more. */
  let sealed = false;
  let stopping = false;
  let wake: (() => void) | undefined;

  // --- the offset record -------------------------------------------------

  async function loadRecord(): Promise<void> {
    const text = await options.offsets.getString(key);
    record = text === undefined ? undefined : parseRecord(text, path);
    loaded = true;
    if (text !== undefined && record === undefined) {
      log.warn('ignoring an unreadable offset record', { path, key });
    }
  }

  async function commit(
    c: Current,
    offset: number,
    extra: Pick<OffsetRecord, 'pending' | 'complete'> = {},
  ): Promise<void> {
    if (c.headLen < HEAD_BYTES && offset > c.headLen) {
      const headLen = Math.min(HEAD_BYTES, offset);
      const head = await hashHead(c.fh, headLen);
      if (head !== undefined) {
        c.head = head;
        c.headLen = headLen;
      }
    }
    const next: OffsetRecord = {
      v: 1,
      path,
      ino: c.ino,
      gen: c.gen,
      offset,
      head: c.head,
      headLen: c.headLen,
      ...extra,
    };
    await options.offsets.put(key, JSON.stringify(next));
    record = next;
  }

  // --- batches -----------------------------------------------------------

  function batchOf(c: Current): LineBatch {
    batch ??= new LineBatch(options.limits, c.consumed);
    return batch;
  }

  /** Publishes the batch (if it has lines) and commits its end; idempotent on retry. */
  async function flush(c: Current): Promise<void> {
    const b = batch;
    if (b === undefined || b.empty) {
      return;
    }
    if (b.lines.length > 0) {
      sealed = true;
      await commit(c, b.start, { pending: { start: b.start, end: b.end } });
      await publish(c, b);
    }
    await commit(c, b.end);
    options.lines?.inc({ result: 'stored' }, b.lines.length);
    batch = new LineBatch(options.limits, b.end);
    sealed = false;
    if (c.forcedEnd !== undefined && b.end >= c.forcedEnd) {
      c.forcedEnd = undefined;
    }
  }

  async function publish(c: Current, b: LineBatch): Promise<void> {
    const batchId = createHash('sha256')
      .update(
        `${path}\u0000${c.ino}\u0000${String(c.gen)}\u0000${String(b.start)}`,
      )
      .digest('hex')
      .slice(0, 32);
    try {
      await options.store.store({
        body: b.body(),
        contentType: 'application/json',
        source: RawSource.FILE,
        origin: path,
        batchId,
        ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
      });
    } catch (err) {
      // NATS refuses a message over its max_payload for good: a batch of one
      // line that big is dead-lettered rather than retried forever.
      const line = b.lines[0];
      if (
        b.lines.length === 1 &&
        line !== undefined &&
        /max_payload/i.test(errorMessage(err))
      ) {
        await skipLine(
          c,
          b.start,
          line.length,
          line.subarray(0, 64 * 1024),
          errorMessage(err),
        );
        b.lines.length = 0;
        b.bytes = 0;
        return;
      }
      throw err;
    }
  }

  async function skipLine(
    c: Current,
    start: number,
    length: number,
    excerpt: Buffer,
    why: string,
  ): Promise<void> {
    log.error('audit log line not published, skipped', {
      path,
      offset: start,
      length,
      reason: why,
    });
    options.lines?.inc({ result: 'skipped' });
    await options.deadLetter?.({
      reason: 'LINE_TOO_LARGE',
      detail: `${path} offset ${String(start)}: a line of ${String(length)} bytes: ${why}; the data is its first ${String(excerpt.length)} bytes`,
      subject: rawSubject(options.cluster ?? 'file'),
      data: excerpt,
      msgId: `file:${key}:${c.ino}:${String(c.gen)}:${String(start)}`,
    });
  }

  async function take(c: Current, item: SplitItem): Promise<void> {
    if (c.forcedEnd !== undefined && item.end > c.forcedEnd) {
      log.warn('pending batch no longer ends on a line boundary', {
        path,
        forcedEnd: c.forcedEnd,
      });
      c.forcedEnd = undefined;
      await flush(c);
    }
    const b = batchOf(c);
    if (item.kind === 'oversized') {
      await skipLine(
        c,
        item.start,
        item.length,
        item.excerpt,
        `longer than ${String(options.maxLineBytes)} bytes`,
      );
      b.add(undefined, item.end, Date.now());
    } else {
      if (c.forcedEnd === undefined && !b.fits(item.text.length)) {
        await flush(c);
      }
      batchOf(c).add(item.text, item.end, Date.now());
    }
    c.consumed = item.end;
    const now = batchOf(c);
    if (c.forcedEnd === undefined ? now.full : now.end === c.forcedEnd) {
      await flush(c);
    }
  }

  /**
   * Reads `fh` from `c.consumed` to its end into batches (flushing full ones);
   * with `final`, a last line without newline counts too. Returns bytes read.
   */
  async function readAvailable(c: Current, final: boolean): Promise<number> {
    const splitter = new LineSplitter(options.maxLineBytes, c.consumed);
    const size = Number((await c.fh.stat({ bigint: true })).size);
    let position = c.consumed;
    let total = 0;
    while (position < size) {
      const want = Math.min(READ_CHUNK, size - position);
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await c.fh.read(chunk, 0, want, position);
      if (bytesRead === 0) {
        break;
      }
      position += bytesRead;
      total += bytesRead;
      for (const item of splitter.push(chunk.subarray(0, bytesRead))) {
        await take(c, item);
      }
      if (stopping && !final) {
        break;
      }
    }
    if (final) {
      const last = splitter.finish();
      if (last !== undefined) {
        await take(c, last);
      }
    }
    return total;
  }

  async function flushIfDue(c: Current): Promise<void> {
    const b = batch;
    if (
      b !== undefined &&
      !b.empty &&
      c.forcedEnd === undefined &&
      (b.lines.length === 0 || Date.now() - b.firstAt >= options.batchMs)
    ) {
      await flush(c);
    }
  }

  // --- files ---------------------------------------------------------------

  /** Reads `fh` (the file of `c` or a copy of it) to its end under the identity of `c`. */
  async function drain(c: Current, fh: FileHandle): Promise<void> {
    const own = c.fh;
    c.fh = fh;
    try {
      await readAvailable(c, true);
      await flush(c);
    } finally {
      c.fh = own;
    }
  }

  function resetBatch(): void {
    batch = undefined;
    sealed = false;
  }

  /** Opens the file at the path, first finishing the one the record names. */
  async function openPath(): Promise<void> {
    if (!loaded) {
      await loadRecord();
    }
    const fh = await openIfExists(path);
    if (fh === undefined) {
      return;
    }
    try {
      const info = await fh.stat({ bigint: true });
      const ino = String(info.ino);
      const size = Number(info.size);
      const rec = record;
      const fresh = (gen: number): Current => ({
        fh,
        ino,
        gen,
        consumed: 0,
        head: '',
        headLen: 0,
        forcedEnd: undefined,
        rotationSeen: false,
      });
      if (rec === undefined) {
        cur = fresh(0);
        await commit(cur, 0);
        log.info('tailing audit log from its start', { path });
        return;
      }
      if (
        rec.complete !== true &&
        rec.ino === ino &&
        size >= rec.offset &&
        (await headMatches(fh, rec))
      ) {
        cur = {
          ...fresh(rec.gen),
          consumed: rec.offset,
          head: rec.head,
          headLen: rec.headLen,
          forcedEnd: rec.pending?.end,
        };
        log.info('tailing audit log from its committed offset', {
          path,
          offset: rec.offset,
        });
        return;
      }
      if (rec.complete !== true) {
        await finishLeftBehind(rec, ino);
      }
      cur = fresh(rec.gen + 1);
      await commit(cur, 0);
      log.info('tailing a new audit log from its start', { path, ino });
    } catch (err) {
      if (cur?.fh !== fh) {
        await fh.close();
      }
      throw err;
    }
  }

  /** After a restart: reads the rest of the recorded file if it can be found. */
  async function finishLeftBehind(
    rec: OffsetRecord,
    pathIno: string,
  ): Promise<void> {
    const truncated = rec.ino === pathIno;
    const found = await findSibling(
      path,
      async (candidate, candidateIno, size) => {
        if (!truncated && candidateIno !== rec.ino) {
          return false;
        }
        return size >= rec.offset && (await headMatches(candidate, rec));
      },
    );
    if (found === undefined) {
      if (rec.offset > 0 || rec.pending !== undefined) {
        log.warn(
          'the audit log read before was rotated away and not found next to it; lines written after the last commit may be missing',
          { path, ino: rec.ino, offset: rec.offset },
        );
      }
      return;
    }
    const old: Current = {
      fh: found.fh,
      ino: rec.ino,
      gen: rec.gen,
      consumed: rec.offset,
      head: rec.head,
      headLen: rec.headLen,
      forcedEnd: rec.pending?.end,
      rotationSeen: true,
    };
    try {
      log.info('reading the rest of the rotated audit log', {
        path,
        from: found.path,
        offset: rec.offset,
      });
      resetBatch();
      await drain(old, found.fh);
      resetBatch();
    } finally {
      await found.fh.close();
    }
  }

  async function tick(): Promise<void> {
    if (cur === undefined) {
      await openPath();
    }
    const c = cur;
    if (c === undefined) {
      return;
    }
    if (sealed) {
      await flush(c);
    }
    const atPath = await statIfExists(path);
    if (atPath !== undefined && String(atPath.ino) === c.ino) {
      const size = Number((await c.fh.stat({ bigint: true })).size);
      if (
        size < c.consumed ||
        (c.headLen > 0 && !(await headMatches(c.fh, c)))
      ) {
        await truncated(c);
      }
      await readAvailable(c, false);
      await flushIfDue(c);
      return;
    }
    // The path names another file, or none: ours was rotated away. Read it
    // to its end, and once more a poll later for a writer that has not
    // switched yet; then finish it and move on.
    const grew = await readAvailable(c, false);
    if (!c.rotationSeen || grew > 0) {
      c.rotationSeen = true;
      await flushIfDue(c);
      return;
    }
    await readAvailable(c, true);
    await flush(c);
    await commit(c, c.consumed, { complete: true });
    await c.fh.close();
    cur = undefined;
    resetBatch();
    log.info('finished a rotated audit log', { path, ino: c.ino });
    await openPath();
  }

  /** copytruncate: read the rest from the copy if there is one, then start over. */
  async function truncated(c: Current): Promise<void> {
    await flush(c);
    const found =
      c.headLen === 0
        ? undefined
        : await findSibling(
            path,
            async (candidate, _ino, size) =>
              size >= c.consumed && (await headMatches(candidate, c)),
          );
    if (found === undefined) {
      log.warn(
        'the audit log was truncated and no copy was found; lines written since the last poll may be missing',
        { path, offset: c.consumed },
      );
    } else {
      try {
        await drain(c, found.fh);
      } finally {
        await found.fh.close();
      }
    }
    c.gen += 1;
    c.consumed = 0;
    c.head = '';
    c.headLen = 0;
    c.forcedEnd = undefined;
    resetBatch();
    await commit(c, 0);
    log.info('the audit log was truncated; reading it from its start', {
      path,
      copy: found?.path,
    });
  }

  // --- the poll loop -------------------------------------------------------

  const loop = (async () => {
    let failures = 0;
    while (!stopping) {
      try {
        await tick();
        failures = 0;
      } catch (err) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0) {
          log.warn('tailing the audit log failed, will retry', {
            path,
            failures,
            err: errorMessage(err),
          });
        }
      }
      if (stopping) {
        break;
      }
      const delay = Math.min(
        options.pollMs * 2 ** Math.min(failures, 10),
        Math.max(MAX_BACKOFF_MS, options.pollMs),
      );
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();

  return {
    path,
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      const c = cur;
      if (c === undefined) {
        return;
      }
      try {
        await flush(c);
      } catch (err) {
        log.warn(
          'could not store the last lines read, or their offset, before stopping; they are read again at the next start',
          {
            path,
            err: errorMessage(err),
          },
        );
      } finally {
        await c.fh.close();
        cur = undefined;
      }
    },
  };
}

function parseRecord(text: string, path: string): OffsetRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<OffsetRecord>;
    if (
      value.v === 1 &&
      value.path === path &&
      typeof value.ino === 'string' &&
      Number.isSafeInteger(value.gen) &&
      Number.isSafeInteger(value.offset) &&
      typeof value.head === 'string' &&
      Number.isSafeInteger(value.headLen)
    ) {
      return value as OffsetRecord;
    }
  } catch {
    // Falls through: unreadable.
  }
  return undefined;
}

async function hashHead(
  fh: FileHandle,
  length: number,
): Promise<string | undefined> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, 0);
  return bytesRead < length
    ? undefined
    : createHash('sha256').update(buf).digest('hex');
}

async function headMatches(
  fh: FileHandle,
  known: { head: string; headLen: number },
): Promise<boolean> {
  return (
    known.headLen === 0 || (await hashHead(fh, known.headLen)) === known.head
  );
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw err;
  }
}

async function statIfExists(
  path: string,
): Promise<{ ino: bigint } | undefined> {
  try {
    return await stat(path, { bigint: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw err;
  }
}

/**
 * Finds a rotated copy of `path` next to it: a regular file whose name starts
 * like the path's (`audit.log.1`, `audit-2024-…log` of kube-apiserver's own
 * rotation) and that `accept` recognises. Returns it opened.
 */
async function findSibling(
  path: string,
  accept: (fh: FileHandle, ino: string, size: number) => Promise<boolean>,
): Promise<{ path: string; fh: FileHandle } | undefined> {
  const dir = dirname(path);
  const name = basename(path);
  const stem = name.slice(0, name.length - extname(name).length) || name;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return undefined;
  }
  for (const entry of entries.sort()) {
    if (entry === name || !entry.startsWith(stem)) {
      continue;
    }
    const candidate = join(dir, entry);
    const fh = await openIfExists(candidate).catch(() => undefined);
    if (fh === undefined) {
      continue;
    }
    let keep = false;
    try {
      const info = await fh.stat({ bigint: true });
      keep =
        info.isFile() &&
        (await accept(fh, String(info.ino), Number(info.size)));
    } finally {
      if (!keep) {
        await fh.close();
      }
    }
    if (keep) {
      return { path: candidate, fh };
    }
  }
  return undefined;
}
