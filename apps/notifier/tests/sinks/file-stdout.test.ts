import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { afterAll, describe, expect, it } from 'vitest';

import { encodeCef, encodeNativeJson } from '../../src/encodings/index.js';
import { sampleNotification } from './support/fixtures.js';
import { buildSink, NOW, sendError, testDeps } from './support/sinks.js';

const CONTEXT = {
  now: new Date(NOW),
  productVersion: '9.9.9',
  source: '/kubeguard/test',
};
const dir = mkdtempSync(join(tmpdir(), 'kubeguard-file-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string): string[] =>
  readFileSync(path, 'utf8').split('\n').slice(0, -1);

describe('file sink', () => {
  it('appends one JSON line per notification, creating the directory', async () => {
    const path = join(dir, 'nested', 'alerts.jsonl');
    const sink = buildSink({ id: 'archive', kind: 'file', path });
    const batch = [
      sampleNotification('created'),
      sampleNotification('updated'),
    ];
    await sink.send(batch);
    // Resolved means written: the lines are there now.
    expect(lines(path).map(line => JSON.parse(line) as unknown)).toEqual(
      batch.map(encodeNativeJson),
    );
    await sink.send([sampleNotification('resolved')]);
    await sink.close();

    const reopened = buildSink({
      id: 'archive',
      kind: 'file',
      path,
      fsync: false,
    });
    await reopened.send([sampleNotification('test')]);
    await reopened.close();
    expect(
      lines(path).map(line => (JSON.parse(line) as { change: string }).change),
    ).toEqual(['created', 'updated', 'resolved', 'test']);
  });

  it('writes CEF lines with the cef encoding', async () => {
    const path = join(dir, 'alerts.cef');
    const sink = buildSink({
      id: 'cef-file',
      kind: 'file',
      path,
      encoding: 'cef',
    });
    const notification = sampleNotification('created');
    await sink.send([notification]);
    await sink.close();
    expect(lines(path)).toEqual([encodeCef(notification, CONTEXT)]);
  });

  it('serializes concurrent sends so lines never interleave', async () => {
    const path = join(dir, 'concurrent.jsonl');
    const sink = buildSink({ id: 'c', kind: 'file', path });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sink.send([sampleNotification('updated', undefined, `n-${String(i)}`)]),
      ),
    );
    await sink.close();
    expect(
      lines(path).map(line => (JSON.parse(line) as { id: string }).id),
    ).toEqual(Array.from({ length: 20 }, (_, i) => `n-${String(i)}`));
  });

  it('fails retryably when the file cannot be written', async () => {
    const sink = buildSink({ id: 'broken', kind: 'file', path: dir });
    const error = await sendError(sink.send([sampleNotification()]));
    expect(error.code).toBe('SINK_IO');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('EISDIR');
  });
});

describe('stdout sink', () => {
  it('writes one line per notification to the stream', async () => {
    const stdout = new PassThrough();
    const chunks: string[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    const sink = buildSink(
      { id: 'out', kind: 'stdout' },
      {},
      testDeps({ stdout }),
    );
    const batch = [
      sampleNotification('created'),
      sampleNotification('resolved'),
    ];
    await sink.send(batch);
    expect(chunks.join('')).toBe(
      batch.map(n => `${JSON.stringify(encodeNativeJson(n))}\n`).join(''),
    );
  });
});
