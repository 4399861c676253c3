import {
  DeadLetter,
  RawBatch,
  rawSubject,
  Streams,
} from '@kubeguard/contracts';
import { AppError } from '@kubeguard/errors';
import { silentLogger } from '@kubeguard/log';
import {
  startNatsServer,
  waitFor,
  type NatsServerHandle,
} from '@kubeguard/testing';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  connectBus,
  redeliveryDelayMs,
  type Bus,
  type MessageMeta,
} from '../src/index.js';

let nats: NatsServerHandle;
const buses: Bus[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map(b => b.close()));
});
afterAll(async () => {
  await nats.stop();
});

async function newBus(service: string): Promise<Bus> {
  const bus = await connectBus({
    url: nats.url,
    service,
    log: silentLogger(),
    streams: ['AUDIT_RAW', 'DEAD_LETTER'],
  });
  buses.push(bus);
  return bus;
}

const batch = (id: string): RawBatch =>
  RawBatch.fromPartial({
    batchId: id,
    cluster: 'c1',
    body: Buffer.from(`{"id":"${id}"}`),
  });

/** Reads every dead letter stored so far, straight from the stream. */
async function deadLetters(): Promise<DeadLetter[]> {
  const nc = await connect({ servers: nats.url });
  try {
    const js = jetstream(nc);
    const consumer = await js.consumers.get(Streams.DEAD_LETTER.name);
    const out: DeadLetter[] = [];
    const msgs = await consumer.fetch({ max_messages: 100, expires: 1000 });
    for await (const m of msgs) {
      out.push(DeadLetter.decode(m.data));
      if (m.info.pending === 0) {
        break;
      }
    }
    return out;
  } finally {
    await nc.close();
  }
}

describe('bus', () => {
  it('delivers a published message to a durable consumer and de-duplicates by id', async () => {
    const bus = await newBus('t1');
    const first = await bus.publish(rawSubject('c1'), RawBatch, batch('a'), {
      msgId: 'a',
    });
    const again = await bus.publish(rawSubject('c1'), RawBatch, batch('a'), {
      msgId: 'a',
    });
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);

    const seen: string[] = [];
    await bus.consume({
      stream: 'AUDIT_RAW',
      durable: 't1',
      codec: RawBatch,
      handler: async m => {
        seen.push(m.batchId);
      },
    });
    await waitFor(() => (seen.length === 1 ? true : undefined), {
      what: 'one delivery',
    });
    expect(seen).toEqual(['a']);
  });

  it('redelivers after a transient failure and acks on success', async () => {
    const bus = await newBus('t2');
    await bus.publish(rawSubject('retry'), RawBatch, batch('r'));
    const deliveries: number[] = [];
    await bus.consume({
      stream: 'AUDIT_RAW',
      durable: 't2',
      filterSubject: rawSubject('retry'),
      codec: RawBatch,
      backoffBaseMs: 10,
      handler: async (_m, meta: MessageMeta) => {
        deliveries.push(meta.deliveryCount);
        if (meta.deliveryCount < 3) {
          throw new Error('mongo is restarting');
        }
      },
    });
    await waitFor(() => (deliveries.length === 3 ? true : undefined), {
      what: 'three deliveries',
    });
    await new Promise(r => setTimeout(r, 200));
    expect(deliveries).toEqual([1, 2, 3]);
  });

  it('dead-letters permanent failures, undecodable bytes and exhausted retries with reason and original bytes', async () => {
    const bus = await newBus('t3');
    await bus.publish(rawSubject('perm'), RawBatch, batch('p'));
    await bus.publishBytes(
      rawSubject('perm'),
      new Uint8Array([0xff, 0xff, 0xff]),
    );
    await bus.publish(rawSubject('perm'), RawBatch, batch('x'));
    const calls: string[] = [];
    await bus.consume({
      stream: 'AUDIT_RAW',
      durable: 't3',
      filterSubject: rawSubject('perm'),
      codec: RawBatch,
      maxDeliver: 2,
      backoffBaseMs: 10,
      handler: async m => {
        calls.push(m.batchId);
        if (m.batchId === 'p') {
          throw new AppError('SCHEMA_INVALID', "batch 'p' is not an EventList");
        }
        throw new Error('always down');
      },
    });
    const letters = await waitFor(
      async () => {
        const all = await deadLetters();
        return all.length >= 3 ? all : undefined;
      },
      { what: 'three dead letters' },
    );
    const byReason = Object.fromEntries(letters.map(l => [l.reason, l]));
    expect(byReason['SCHEMA_INVALID']?.detail).toBe(
      "batch 'p' is not an EventList",
    );
    expect(byReason['SCHEMA_INVALID']?.service).toBe('t3');
    expect(
      RawBatch.decode(
        byReason['SCHEMA_INVALID']?.originalData ?? new Uint8Array(),
      ).batchId,
    ).toBe('p');
    expect(byReason['DECODE_FAILED']?.originalData).toEqual(
      Buffer.from([0xff, 0xff, 0xff]),
    );
    expect(byReason['HANDLER_FAILED']?.detail).toBe(
      'gave up after 2 deliveries: always down',
    );
    // the permanent failure was not retried; the transient one was, twice
    expect(calls.filter(c => c === 'p')).toHaveLength(1);
    expect(calls.filter(c => c === 'x')).toHaveLength(2);
  });

  it('waits for the in-flight handler before close resolves', async () => {
    const bus = await newBus('t4');
    await bus.publish(rawSubject('slow'), RawBatch, batch('s'));
    let finished = false;
    let started = false;
    await bus.consume({
      stream: 'AUDIT_RAW',
      durable: 't4',
      filterSubject: rawSubject('slow'),
      codec: RawBatch,
      handler: async () => {
        started = true;
        await new Promise(r => setTimeout(r, 300));
        finished = true;
      },
    });
    await waitFor(() => (started ? true : undefined), {
      what: 'handler start',
    });
    buses.splice(buses.indexOf(bus), 1);
    await bus.close();
    expect(finished).toBe(true);
    expect(bus.isConnected()).toBe(false);
  });
});

describe('redeliveryDelayMs', () => {
  it('doubles from the base up to the cap, with at most 20 % jitter off', () => {
    expect(redeliveryDelayMs(1, 500, 30_000, () => 0)).toBe(500);
    expect(redeliveryDelayMs(3, 500, 30_000, () => 0)).toBe(2000);
    expect(redeliveryDelayMs(20, 500, 30_000, () => 0)).toBe(30_000);
    expect(redeliveryDelayMs(1, 500, 30_000, () => 1)).toBe(400);
  });
});
