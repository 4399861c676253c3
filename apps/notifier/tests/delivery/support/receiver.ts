import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver answers to one request. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
}

/** One request the receiver got. */
export interface Received {
  ids: string[];
  body: unknown;
  headers: IncomingMessage['headers'];
  status: number;
  at: number;
}

/** A local HTTP receiver that records every request and what it answered. */
export interface Receiver {
  readonly url: string;
  readonly requests: Received[];
  /** Ids of notifications in requests answered 2xx, in order (repeats kept). */
  accepted(): string[];
  /** How often each id was accepted. */
  acceptedCounts(): Map<string, number>;
  /** Requests that have arrived but not been answered yet. */
  inFlight(): number;
  setReply(reply: (body: { ids: string[] }, index: number) => Reply): void;
  close(): Promise<void>;
}

/**
 * Starts a receiver on a free loopback port. Bodies are JSON with the
 * notification ids under `notifications[].id` (the test sink's shape) or a
 * top-level `id` (one native JSON notification).
 */
export async function startReceiver(
  reply: (body: { ids: string[] }, index: number) => Reply = () => ({
    status: 200,
  }),
): Promise<Receiver> {
  const requests: Received[] = [];
  let replyFn = reply;
  let count = 0;
  let pending = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      const ids = idsOf(body);
      const answer = replyFn({ ids }, count);
      count += 1;
      pending += 1;
      setTimeout(() => {
        pending -= 1;
        requests.push({
          ids,
          body,
          headers: req.headers,
          status: answer.status,
          at: Date.now(),
        });
        res.writeHead(answer.status, answer.headers ?? {}).end();
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const accepted = (): string[] =>
    requests.filter(r => r.status < 300).flatMap(r => r.ids);
  return {
    url: `http://127.0.0.1:${String(port)}/hook`,
    requests,
    accepted,
    acceptedCounts() {
      const counts = new Map<string, number>();
      for (const id of accepted()) {
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
    inFlight: () => pending,
    setReply(next) {
      replyFn = next;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function idsOf(body: unknown): string[] {
  if (body === null || typeof body !== 'object') {
    return [];
  }
  const record = body as Record<string, unknown>;
  if (Array.isArray(record['notifications'])) {
    return (record['notifications'] as { id?: unknown }[]).map(n =>
      String(n.id),
    );
  }
  return typeof record['id'] === 'string' ? [record['id']] : [];
}
