import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { connectBus, type Bus, type KeyValue } from '@kubeguard/bus';
import { DeadLetter, RawSource } from '@kubeguard/contracts';
import { silentLogger } from '@kubeguard/log';
import {
  type NatsServerHandle,
  readStream,
  startNatsServer,
  waitFor,
} from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  offsetKey,
  startFileTailer,
  type FileTailer,
  type OffsetStore,
} from '../src/file-tailer.js';
import { createRawStore, type RawStore } from '../src/raw-store.js';
import { auditIdsOf, readRawBatches } from './support/raw-stream.js';

let nats: NatsServerHandle;
let bus: Bus;
let store: RawStore;
let offsets: KeyValue;
let dir: string;
let path: string;

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await connectBus({
    url: nats.url,
    service: 'collector',
    log: silentLogger(),
    streams: ['AUDIT_RAW', 'DEAD_LETTER'],
  });
  store = createRawStore(bus, 'files');
  offsets = bus.keyValue('collector-file-offsets');
  dir = mkdtempSync(join(tmpdir(), 'kubeguard-tail-'));
  path = join(dir, 'audit.log');
});
afterAll(async () => {
  await bus.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every audit ID written to the log, in order. */
const written: string[] = [];
let next = 0;

/** `count` audit events as JSON lines; their IDs are added to `written`. */
function events(count: number): string {
  let text = '';
  for (let i = 0; i < count; i += 1) {
    next += 1;
    const auditID = `ev-${String(next).padStart(4, '0')}`;
    written.push(auditID);
    text += `${JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID,
      stage: 'ResponseComplete',
      verb: 'get',
      requestURI: `/api/v1/namespaces/default/pods/p${String(next)}`,
    })}\n`;
  }
  return text;
}

function start(
  offsetStore: OffsetStore = offsets,
  maxLineBytes = 4096,
): FileTailer {
  return startFileTailer({
    path,
    store,
    offsets: offsetStore,
    log: silentLogger(),
    pollMs: 20,
    batchMs: 20,
    limits: { maxLines: 7, maxBytes: 64 * 1024 },
    maxLineBytes,
    deadLetter: input => bus.deadLetter(input),
  });
}

/** Audit IDs of the file batches on AUDIT_RAW, in stream order. */
async function publishedIds(): Promise<string[]> {
  const batches = await readRawBatches(nats.url);
  return batches
    .filter(b => b.source === RawSource.FILE && b.origin === path)
    .flatMap(auditIdsOf);
}

/** Waits until every written ID was published; returns all published IDs. */
function allPublished(): Promise<string[]> {
  return waitFor(
    async () => {
      const ids = await publishedIds();
      return written.every(id => ids.includes(id)) ? ids : undefined;
    },
    {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: 'every written line on AUDIT_RAW',
    },
  );
}

async function expectExactlyOnce(): Promise<void> {
  const ids = await allPublished();
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual([...written].sort());
}

const sleep = (ms: number): Promise<void> =>
  new Promise(resolve => setTimeout(resolve, ms));

describe('file tailer', () => {
  let tailer: FileTailer;

  it('publishes appended lines in batches and holds back a line without its newline', async () => {
    writeFileSync(path, events(10));
    tailer = start();
    await expectExactlyOnce();
    appendFileSync(path, events(3));

    const partial = events(1);
    const ids = written.slice();
    written.pop();
    appendFileSync(path, partial.slice(0, 40));
    await sleep(300);
    await expectExactlyOnce();
    expect(await publishedIds()).not.toContain(ids[ids.length - 1]);

    written.push(ids[ids.length - 1] ?? '');
    appendFileSync(path, partial.slice(40));
    await expectExactlyOnce();

    const record = JSON.parse(
      (await offsets.getString(offsetKey(path))) ?? '{}',
    ) as { offset: number; pending?: unknown };
    expect(record.pending).toBeUndefined();
  });

  it('follows rename rotation, reading the old file to its end first', async () => {
    // All at once, as a rotating writer does: the tailer sees only the result.
    appendFileSync(path, events(4));
    renameSync(path, `${path}.1`);
    appendFileSync(`${path}.1`, events(2)); // written before the writer reopened
    writeFileSync(path, events(5));
    await expectExactlyOnce();
    appendFileSync(path, events(9));
    await expectExactlyOnce();
  });

  it('follows copytruncate, reading unread lines from the copy', async () => {
    appendFileSync(path, events(3));
    copyFileSync(path, `${path}.c1`);
    truncateSync(path, 0);
    // Longer than before: only the changed first bytes reveal the truncation.
    writeFileSync(path, events(40));
    await expectExactlyOnce();
  });

  it('resumes from the committed offset after a restart', async () => {
    await tailer.stop();
    appendFileSync(path, events(6));
    tailer = start();
    await expectExactlyOnce();
  });

  it('finds the file rotated away while stopped by its inode', async () => {
    await tailer.stop();
    appendFileSync(path, events(4));
    renameSync(path, `${path}.2`);
    writeFileSync(path, events(3));
    tailer = start();
    await expectExactlyOnce();
  });

  it('finds the copy of a file truncated while stopped by its first bytes', async () => {
    await tailer.stop();
    appendFileSync(path, events(5));
    copyFileSync(path, `${path}.c2`);
    truncateSync(path, 0);
    writeFileSync(path, events(2));
    tailer = start();
    await expectExactlyOnce();
  });

  it('republishes a batch whose commit was lost with the same range and id: no duplicate', async () => {
    // The offset store loses every commit (not the intents) from now on, as
    // if the process died right after JetStream acknowledged a batch.
    let lost = 0;
    const losing: OffsetStore = {
      getString: key => offsets.getString(key),
      put: async (key, value) => {
        if (!value.includes('"pending"')) {
          lost += 1;
          throw new Error('commit lost');
        }
        return offsets.put(key, value);
      },
    };
    await tailer.stop();
    tailer = start(losing);
    appendFileSync(path, events(5));
    await allPublished();
    await waitFor(() => (lost > 0 ? true : undefined));
    await tailer.stop();

    // More lines since: a naive restart would batch the range differently.
    appendFileSync(path, events(4));
    tailer = start();
    await expectExactlyOnce();
    await tailer.stop();
  });

  it('dead-letters a line longer than the limit and goes on', async () => {
    tailer = start();
    appendFileSync(path, `${'x'.repeat(5000)}\n`);
    appendFileSync(path, events(2));
    await expectExactlyOnce();
    await tailer.stop();
    const letters = await readStream(nats.url, 'DEAD_LETTER', data =>
      DeadLetter.decode(data),
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toBe('LINE_TOO_LARGE');
    expect(letters[0]?.detail).toMatch(
      /a line of 5000 bytes: longer than 4096 bytes/,
    );
    expect(letters[0]?.originalData.length).toBe(4096);
  });

  it('dead-letters a line NATS refuses as larger than its max_payload and goes on', async () => {
    tailer = start(offsets, 4 * 1024 * 1024);
    appendFileSync(path, `${'z'.repeat(1_200_000)}\n`);
    appendFileSync(path, events(2));
    await expectExactlyOnce();
    await tailer.stop();
    const letters = await readStream(nats.url, 'DEAD_LETTER', data =>
      DeadLetter.decode(data),
    );
    expect(letters).toHaveLength(2);
    expect(letters[1]?.detail).toMatch(
      /a line of 1200000 bytes: .*max_payload/,
    );
    expect(letters[1]?.originalData.length).toBe(64 * 1024);
  });
});
