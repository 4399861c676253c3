import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import { checkWebhookBody } from '@kubeguard/audit';
import { RawSource } from '@kubeguard/contracts';
import { InvalidArgumentError, errorMessage } from '@kubeguard/errors';
import type { Logger } from '@kubeguard/log';
import type { Counter } from 'prom-client';

import { GunzipError, gunzipLimited } from './gzip.js';
import type { RawStore } from './raw-store.js';
import {
  authenticate,
  type WebhookAuth,
  type WebhookTls,
} from './webhook-auth.js';

/** Outcome label of a webhook request; a closed set for the metric. */
export type WebhookResult =
  | 'stored'
  | 'duplicate'
  | 'bad_method'
  | 'unauthenticated'
  | 'bad_credentials'
  | 'bad_content_type'
  | 'bad_encoding'
  | 'too_large'
  | 'bad_body'
  | 'unavailable';

/** Options for {@link startWebhookServer}. */
export interface WebhookServerOptions {
  host: string;
  port: number;
  /** Limit of the body as sent and, when gzip, of the decompressed body. */
  maxBatchBytes: number;
  /** Who may post, and the cluster each credential stands for. */
  auth: WebhookAuth;
  /** HTTPS (and client certificates when `ca` is set); plain HTTP without it. */
  tls?: WebhookTls;
  store: RawStore;
  log: Logger;
  requests: Counter<'result'>;
}

/** A running webhook server. */
export interface WebhookServer {
  readonly port: number;
  /** `https` or `http`. */
  readonly scheme: string;
  /** Stops accepting requests and waits for those in flight. */
  close(): Promise<void>;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly result: WebhookResult,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The endpoint of the kube-apiserver audit webhook backend: a POST of an
 * `EventList` (or one `Event`), optionally gzip-encoded, gets 200 only after
 * JetStream stored it under the cluster its credential stands for; 401 when
 * not authenticated, other 4xx with the reason when it can never be stored,
 * and 503 with Retry-After when it cannot be stored now (the API server then
 * retries).
 */
export async function startWebhookServer(
  options: WebhookServerOptions,
): Promise<WebhookServer> {
  const { log, requests, tls } = options;
  const listener: RequestListener = (req, res) => {
    handle(req, options).then(
      result => {
        requests.inc({ result: result.duplicate ? 'duplicate' : 'stored' });
        reply(res, 200, {
          batchId: result.batchId,
          events: result.events,
          duplicate: result.duplicate,
        });
      },
      (err: unknown) => {
        if (err instanceof HttpRefusal) {
          requests.inc({ result: err.result });
          log.warn('webhook request refused', {
            status: err.status,
            reason: err.message,
          });
          if (err.status === 503) {
            res.setHeader('retry-after', '5');
          }
          if (err.status === 401) {
            res.setHeader('www-authenticate', 'Bearer realm="kubeguard"');
          }
          reply(res, err.status, { error: err.message });
          return;
        }
        requests.inc({ result: 'unavailable' });
        log.error('webhook request failed', { err });
        res.setHeader('retry-after', '5');
        reply(res, 503, {
          error: `batch not stored, retry later: ${errorMessage(err)}`,
        });
      },
    );
  };
  const server: Server =
    tls === undefined
      ? createHttpServer(listener)
      : createHttpsServer(
          {
            cert: tls.cert,
            key: tls.key,
            ...(tls.ca === undefined
              ? {}
              : {
                  ca: tls.ca,
                  // Ask for a certificate but let the request through without
                  // one, so token clients work and a bad one gets a 401 with
                  // the reason instead of a failed handshake.
                  requestCert: true,
                  rejectUnauthorized: false,
                }),
          },
          listener,
        );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    scheme: tls === undefined ? 'http' : 'https',
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  options: WebhookServerOptions,
): Promise<{ batchId: string; duplicate: boolean; events: number }> {
  if (req.method !== 'POST') {
    throw new HttpRefusal(
      405,
      'bad_method',
      `method ${req.method ?? ''} not allowed: POST an audit EventList`,
    );
  }
  const who = authenticate(options.auth, req);
  if (!who.ok) {
    req.resume();
    throw new HttpRefusal(401, who.result, who.reason);
  }
  const contentType =
    (req.headers['content-type'] ?? '')
      .split(';', 1)[0]
      ?.trim()
      .toLowerCase() ?? '';
  if (contentType !== 'application/json') {
    throw new HttpRefusal(
      415,
      'bad_content_type',
      `content-type must be application/json, got '${contentType}'`,
    );
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    req.resume();
    throw new HttpRefusal(
      415,
      'bad_encoding',
      `content-encoding must be gzip or identity, got '${encoding}'`,
    );
  }
  const sent = await readBody(req, options.maxBatchBytes);
  const body =
    encoding === 'gzip' ? await gunzipBody(sent, options.maxBatchBytes) : sent;
  const shape = checkWebhookBody(body.toString('utf8'));
  if (!shape.ok) {
    throw new HttpRefusal(400, 'bad_body', shape.reason);
  }
  try {
    const stored = await options.store.store({
      body,
      contentType,
      source: RawSource.WEBHOOK,
      origin: req.socket.remoteAddress ?? '',
      cluster: who.cluster,
    });
    return { ...stored, events: shape.events };
  } catch (err) {
    // An event that can never fit in a bus message is not worth a retry.
    if (err instanceof InvalidArgumentError) {
      throw new HttpRefusal(413, 'too_large', err.message);
    }
    throw new HttpRefusal(
      503,
      'unavailable',
      `batch not stored, retry later: ${errorMessage(err)}`,
    );
  }
}

async function gunzipBody(sent: Buffer, limit: number): Promise<Buffer> {
  try {
    return await gunzipLimited(sent, limit);
  } catch (err) {
    if (err instanceof GunzipError && err.kind === 'too_large') {
      throw new HttpRefusal(413, 'too_large', err.message);
    }
    throw new HttpRefusal(400, 'bad_body', errorMessage(err));
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tooLarge(limit: number): HttpRefusal {
  return new HttpRefusal(
    413,
    'too_large',
    `body exceeds MAX_BATCH_BYTES (${String(limit)} bytes)`,
  );
}

function reply(res: ServerResponse, status: number, body: object): void {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(`${JSON.stringify(body)}\n`);
}
