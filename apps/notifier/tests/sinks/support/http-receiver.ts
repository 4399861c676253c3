import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the receiver got. */
export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers one request. */
export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (for timeouts). */
  delayMs?: number;
}

/** A local HTTP server that records requests and answers from a script. */
export interface HttpReceiver {
  url: string;
  requests: CapturedRequest[];
  /** Answers for the next requests, in order; afterwards `fallback`. */
  replies: Reply[];
  fallback: Reply | ((request: CapturedRequest) => Reply);
  close(): Promise<void>;
}

/** Starts a receiver on a free loopback port. */
export async function startHttpReceiver(
  fallback: HttpReceiver['fallback'] = { status: 200, body: '{}' },
): Promise<HttpReceiver> {
  const receiver: Omit<HttpReceiver, 'url' | 'close'> = {
    requests: [],
    replies: [],
    fallback,
  };
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const captured: CapturedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      receiver.requests.push(captured);
      const next = receiver.replies.shift();
      const reply =
        next ??
        (typeof receiver.fallback === 'function'
          ? receiver.fallback(captured)
          : receiver.fallback);
      const answer = (): void => {
        res.writeHead(reply.status, {
          'content-type': 'application/json',
          ...reply.headers,
        });
        res.end(reply.body ?? '');
      };
      if (reply.delayMs === undefined) {
        answer();
      } else {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, reply.delayMs);
        timers.add(timer);
      }
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${String(port)}`,
    close: () =>
      new Promise<void>(resolve => {
        for (const timer of timers) {
          clearTimeout(timer);
        }
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** The JSON body of a captured request. */
export function jsonBody(request: CapturedRequest | undefined): unknown {
  if (!request) {
    throw new Error('no request captured');
  }
  return JSON.parse(request.body) as unknown;
}
