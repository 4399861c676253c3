import { RawBatch, Streams, type StreamName } from '@kubeguard/contracts';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** Every RawBatch on the AUDIT_RAW stream, in order. */
export function readRawBatches(natsUrl: string): Promise<RawBatch[]> {
  return readStream(natsUrl, 'AUDIT_RAW', data => RawBatch.decode(data));
}

/** Every message of a stream, in order, read with a throwaway ordered consumer. */
export async function readStream<T>(
  natsUrl: string,
  stream: StreamName,
  decode: (data: Uint8Array) => T,
): Promise<T[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const js = jetstream(nc);
    const consumer = await js.consumers.get(Streams[stream].name);
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

/** The auditIDs in a body of JSON lines, an Event or an EventList. */
export function auditIdsOf(batch: RawBatch): string[] {
  const text = batch.body.toString('utf8').trim();
  if (text === '') {
    return [];
  }
  try {
    const doc = JSON.parse(text) as {
      items?: { auditID: string }[];
      auditID?: string;
    };
    if (Array.isArray(doc.items)) {
      return doc.items.map(item => item.auditID);
    }
    if (typeof doc.auditID === 'string') {
      return [doc.auditID];
    }
  } catch {
    // JSON lines.
  }
  return text
    .split('\n')
    .filter(line => line.trim() !== '')
    .map(line => (JSON.parse(line) as { auditID: string }).auditID);
}
