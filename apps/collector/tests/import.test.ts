import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { connectBus, type Bus } from '@kubeguard/bus';
import { RawSource } from '@kubeguard/contracts';
import { silentLogger } from '@kubeguard/log';
import { startNatsServer, type NatsServerHandle } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { importFile, importStream } from '../src/import.js';
import { createRawStore, type RawStore } from '../src/raw-store.js';
import { auditIdsOf, readRawBatches } from './support/raw-stream.js';

let nats: NatsServerHandle;
let bus: Bus;
let store: RawStore;
let dir: string;

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await connectBus({
    url: nats.url,
    service: 'collector',
    log: silentLogger(),
    streams: ['AUDIT_RAW'],
  });
  store = createRawStore(bus, 'imports');
  dir = mkdtempSync(join(tmpdir(), 'kubeguard-import-'));
});
afterAll(async () => {
  await bus.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
});

const lines = (prefix: string, count: number): string =>
  Array.from(
    { length: count },
    (_, i) =>
      `${JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: `${prefix}-${String(i)}` })}\n`,
  ).join('');

async function idsFrom(origin: string): Promise<string[]> {
  return (await readRawBatches(nats.url))
    .filter(b => b.origin === origin && b.source === RawSource.FILE)
    .flatMap(auditIdsOf);
}

describe('one-off import', () => {
  it('imports a plain file in batches and counts what it stored', async () => {
    const path = join(dir, 'audit.log');
    writeFileSync(path, `${lines('plain', 25)}\n\n`);
    const result = await importFile(path, { store, maxLines: 10 });
    expect(result).toEqual({
      lines: 25,
      batches: 3,
      duplicateBatches: 0,
      skippedLines: 0,
      bytes: lines('plain', 25).length + 2,
    });
    const ids = await idsFrom(path);
    expect(ids).toEqual(
      Array.from({ length: 25 }, (_, i) => `plain-${String(i)}`),
    );
    const batches = (await readRawBatches(nats.url)).filter(
      b => b.origin === path,
    );
    expect(batches.every(b => b.cluster === 'imports')).toBe(true);

    // The same file again moments later: JetStream drops every batch.
    expect(await importFile(path, { store, maxLines: 10 })).toMatchObject({
      batches: 3,
      duplicateBatches: 3,
    });
  });

  it('imports a gzip file, decompressed, with a last line without newline', async () => {
    const path = join(dir, 'audit.log.gz');
    const text = lines('gz', 12).trimEnd();
    writeFileSync(path, gzipSync(text));
    const result = await importFile(path, {
      store,
      maxBytes: 400,
      cluster: 'gz-cluster',
    });
    expect(result.lines).toBe(12);
    expect(result.batches).toBeGreaterThan(1);
    expect(result.bytes).toBe(text.length);
    const batches = (await readRawBatches(nats.url)).filter(
      b => b.origin === path,
    );
    expect(batches.every(b => b.body.length <= 400)).toBe(true);
    expect(batches.every(b => b.cluster === 'gz-cluster')).toBe(true);
    expect(batches.flatMap(auditIdsOf)).toEqual(
      Array.from({ length: 12 }, (_, i) => `gz-${String(i)}`),
    );
  });

  it('imports a stream such as stdin, byte by byte, and skips over-long lines', async () => {
    const text = `${lines('stdin', 3)}${'y'.repeat(300)}\n${lines('stdin-after', 2)}`;
    const bytes = gzipSync(text);
    // One byte at a time: the gzip magic arrives split.
    const input = Readable.from(Array.from(bytes, byte => Buffer.of(byte)));
    const result = await importStream(input, {
      store,
      origin: 'stdin',
      maxLineBytes: 200,
    });
    expect(result).toMatchObject({ lines: 5, skippedLines: 1, batches: 1 });
    expect(await idsFrom('stdin')).toEqual([
      'stdin-0',
      'stdin-1',
      'stdin-2',
      'stdin-after-0',
      'stdin-after-1',
    ]);
  });

  it('fails with the reason when the input is broken gzip', async () => {
    const broken = gzipSync(lines('broken', 50)).subarray(0, 60);
    await expect(
      importStream(Readable.from([broken]), { store, origin: 'broken' }),
    ).rejects.toThrow(/unexpected end of file/);
  });
});
