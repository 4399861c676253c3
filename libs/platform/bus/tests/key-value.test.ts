import { silentLogger } from '@kubeguard/log';
import { startNatsServer, type NatsServerHandle } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectBus, type Bus } from '../src/index.js';

let nats: NatsServerHandle;
let bus: Bus;

beforeAll(async () => {
  nats = await startNatsServer();
  bus = await connectBus({ url: nats.url, service: 'kv', log: silentLogger() });
});
afterAll(async () => {
  await bus.close();
  await nats.stop();
});

describe('bus.keyValue', () => {
  it('creates the bucket on first use and stores bytes and strings', async () => {
    const kv = bus.keyValue('kv-test');
    expect(bus.keyValue('kv-test')).toBe(kv);
    expect(await kv.get('missing')).toBeUndefined();
    expect(await kv.getString('missing')).toBeUndefined();

    const first = await kv.put('a.b', 'hello');
    const second = await kv.put('a.b', Uint8Array.of(104, 105));
    expect(second).toBeGreaterThan(first);
    expect(await kv.getString('a.b')).toBe('hi');
    expect(Array.from((await kv.get('a.b')) ?? [])).toEqual([104, 105]);

    await kv.delete('a.b');
    expect(await kv.get('a.b')).toBeUndefined();
  });

  it('lists the entries under a prefix, without deleted keys', async () => {
    const kv = bus.keyValue('kv-list');
    await kv.put('p1.a', 'A');
    await kv.put('p1.b', 'B');
    await kv.put('p2.c', 'C');
    await kv.delete('p1.b');
    expect(await kv.entries('p1.>')).toEqual([{ key: 'p1.a', value: 'A' }]);
    expect(await kv.entries('p3.>')).toEqual([]);
  });

  it('keeps values across connections', async () => {
    await bus.keyValue('kv-shared').put('k', 'v1');
    const other = await connectBus({
      url: nats.url,
      service: 'kv2',
      log: silentLogger(),
    });
    try {
      expect(await other.keyValue('kv-shared').getString('k')).toBe('v1');
    } finally {
      await other.close();
    }
  });

  it('rejects invalid bucket names and keys', async () => {
    expect(() => bus.keyValue('no spaces')).toThrow(/expected 1-64 letters/);
    await expect(bus.keyValue('kv-test').get('a b')).rejects.toThrow(
      /invalid key 'a b'/,
    );
  });
});
