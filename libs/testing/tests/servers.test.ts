import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';

import {
  freePort,
  startMongoServer,
  startNatsServer,
  waitFor,
  type MongoServerHandle,
} from '../src/index.ts';

function canConnect(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('freePort', () => {
  it('returns a bindable port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await canConnect(port)).toBe(false);
  });
});

describe('startNatsServer', () => {
  it('starts JetStream on a free port and removes its temp data dir on stop', async () => {
    const nats = await startNatsServer();
    try {
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      expect(await canConnect(nats.port)).toBe(true);
      expect(existsSync(nats.dataDir)).toBe(true);
    } finally {
      await nats.stop();
    }
    expect(await canConnect(nats.port)).toBe(false);
    expect(existsSync(nats.dataDir)).toBe(false);
    await nats.stop(); // idempotent
  });

  it('keeps a caller-provided data dir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kubeguard-nats-test-'));
    try {
      const nats = await startNatsServer({ dataDir });
      expect(nats.dataDir).toBe(dataDir);
      await nats.stop();
      expect(existsSync(dataDir)).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('startMongoServer', () => {
  let server: MongoServerHandle | undefined;
  let client: MongoClient | undefined;

  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  // Generous timeout only for runs without the global setup, where FerretDB may be built here.
  it(
    'round-trips a document through a real server',
    { timeout: 600_000 },
    async () => {
      server = await startMongoServer();
      expect(['external', 'mongod', 'ferretdb']).toContain(server.kind);

      client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5_000 });
      const collection = client
        .db(`harness_${process.pid}`)
        .collection<{ _id: string; n: number }>('docs');
      await collection.insertOne({ _id: 'a', n: 1 });
      expect(await collection.findOne({ _id: 'a' })).toEqual({
        _id: 'a',
        n: 1,
      });
      await collection.drop();
    },
  );
});

describe('waitFor', () => {
  it('resolves once the probe returns a value, treating throws as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls++;
        if (calls === 1) throw new Error('not ready');
        return calls >= 3 ? 'done' : undefined;
      },
      { intervalMs: 5 },
    );
    expect(value).toBe('done');
    expect(calls).toBe(3);
  });

  it('accepts falsy values other than undefined', async () => {
    expect(await waitFor(async () => 0)).toBe(0);
  });

  it('times out with what it waited for and the last probe error', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 100, intervalMs: 10, what: 'the thing' },
      ),
    ).rejects.toThrow(
      /^timed out after 100ms waiting for the thing; last error: connection refused$/,
    );
  });

  it('does not let a hanging probe stretch the timeout', async () => {
    const started = Date.now();
    await expect(
      waitFor(() => new Promise<never>(() => {}), { timeoutMs: 100 }),
    ).rejects.toThrow('timed out after 100ms waiting for condition');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
