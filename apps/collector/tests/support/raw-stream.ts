import { RawBatch, Streams } from '@kubeguard/contracts';
import { readStream } from '@kubeguard/testing';

/** Every RawBatch on the AUDIT_RAW stream, in order. */
export function readRawBatches(natsUrl: string): Promise<RawBatch[]> {
  return readStream(natsUrl, Streams.AUDIT_RAW.name, data =>
    RawBatch.decode(data),
  );
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
