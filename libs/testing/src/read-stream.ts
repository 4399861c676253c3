import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** Every message of a JetStream stream, in order, read with a throwaway ordered consumer. */
export async function readStream<T>(
  natsUrl: string,
  stream: string,
  decode: (data: Uint8Array) => T,
): Promise<T[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const js = jetstream(nc);
    const consumer = await js.consumers.get(stream);
    const out: T[] = [];
    for (;;) {
      const msgs = await consumer.fetch({ max_messages: 500, expires: 1000 });
      let got = 0;
      let pending = 0;
      for await (const m of msgs) {
        out.push(decode(m.data));
        got += 1;
        pending = m.info.pending;
        if (pending === 0) {
          break;
        }
      }
      if (got === 0 || pending === 0) {
        return out;
      }
    }
  } finally {
    await nc.close();
  }
}
