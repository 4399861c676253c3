import { InvalidArgumentError } from '@kubeguard/errors';

/**
 * Cuts a body that is too large for one bus message into parts that fit, on
 * record boundaries: the items of an EventList become smaller EventLists, JSON
 * lines are cut between lines. The API server's batches (up to 10 MiB) are
 * larger than NATS's default max_payload (1 MiB), so this is the normal path
 * for big batches, not an error path.
 * @throws InvalidArgumentError when a single record is larger than `limit`
 */
export function splitBody(body: Buffer, limit: number): Buffer[] {
  if (body.length <= limit) {
    return [body];
  }
  const text = body.toString('utf8');
  const items = eventListItems(text);
  const pieces = items ?? text.split('\n').filter(line => line.trim() !== '');
  const wrap = items
    ? (parts: string[]) =>
        `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${parts.join(',')}]}`
    : (parts: string[]) => parts.join('\n');
  const envelope = Buffer.byteLength(wrap([]));
  const out: Buffer[] = [];
  let current: string[] = [];
  let size = envelope;
  for (const piece of pieces) {
    const pieceSize = Buffer.byteLength(piece) + 1;
    if (envelope + pieceSize > limit) {
      throw new InvalidArgumentError(
        'body',
        `one audit record is ${String(pieceSize)} bytes, over what fits in one message under the NATS max_payload (${String(limit)} bytes)`,
      );
    }
    if (size + pieceSize > limit && current.length > 0) {
      out.push(Buffer.from(wrap(current)));
      current = [];
      size = envelope;
    }
    current.push(piece);
    size += pieceSize;
  }
  if (current.length > 0) {
    out.push(Buffer.from(wrap(current)));
  }
  return out;
}

/** The items of an EventList, each re-serialized, or undefined when the text is not one. */
function eventListItems(text: string): string[] | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (
    typeof document !== 'object' ||
    document === null ||
    !('items' in document)
  ) {
    return undefined;
  }
  const items = document.items;
  return Array.isArray(items)
    ? items.map(item => JSON.stringify(item))
    : undefined;
}
