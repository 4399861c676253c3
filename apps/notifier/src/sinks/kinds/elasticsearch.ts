import { z } from 'zod';

import { ENCODERS } from '../../encodings/index.js';
import {
  commonFields,
  headers,
  httpUrl,
  text,
  timeoutMs,
} from '../config-fields.js';
import { encodeContext, userAgent, type ResolvedDeps } from '../deps.js';
import { SinkError } from '../errors.js';
import {
  authorizationHeader,
  excerpt,
  isRetryableStatus,
  postHttp,
} from '../http.js';
import { createRouteFilter } from '../routing.js';
import type { Notification, Sink } from '../sink.js';

/** `kind: elasticsearch` — Elasticsearch or OpenSearch `_bulk`. */
export const elasticsearchSchema = z
  .strictObject({
    ...commonFields,
    kind: z.literal('elasticsearch'),
    /** Base URL of the cluster, e.g. `https://es.example.com:9200`. */
    url: httpUrl(),
    /** Index, alias or data stream the documents are created in. */
    index: text().default('kubeguard-alerts'),
    /** Encoded API key (`Authorization: ApiKey <apiKey>`): give it as `${ES_API_KEY}`. */
    apiKey: text().optional(),
    username: text().optional(),
    password: text().optional(),
    /** Ingest pipeline to run the documents through. */
    pipeline: text().optional(),
    headers: headers(),
    /** Documents must be JSON: CEF is not offered. */
    encoding: z.enum(['ecs', 'ocsf', 'json', 'cloudevents']).default('ecs'),
    timeoutMs: timeoutMs(),
  })
  .refine(c => (c.username === undefined) === (c.password === undefined), {
    message: 'give username and password together',
    path: ['password'],
  })
  .refine(c => c.apiKey === undefined || c.username === undefined, {
    message: 'give either apiKey or username/password, not both',
    path: ['apiKey'],
  });

/** A validated Elasticsearch sink configuration. */
export type ElasticsearchSinkConfig = z.infer<typeof elasticsearchSchema>;

/**
 * The `_bulk` body: for each notification a `create` action into the index
 * with `_id` = notification id (a redelivery meets the document already
 * there instead of duplicating it), then the document; NDJSON with a final
 * newline.
 */
export function bulkBody(
  batch: readonly Notification[],
  config: ElasticsearchSinkConfig,
  deps: ResolvedDeps,
): string {
  const encoder = ENCODERS[config.encoding];
  const context = encodeContext(deps);
  return batch
    .map(notification => {
      const action = {
        create: { _index: config.index, _id: notification.id },
      };
      const document = encoder.encode(notification, context).value;
      return `${JSON.stringify(action)}\n${JSON.stringify(document)}\n`;
    })
    .join('');
}

interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string };
}

/**
 * Creates the batch's documents in one `_bulk` request. Per item: created
 * or 409 (the document is already there: an earlier attempt got through)
 * counts as delivered; 429 and 5xx items are retryable; any other refusal
 * (a mapping error) is not. A partly refused bulk throws `SINK_ITEMS_REJECTED`
 * listing the delivered ids.
 */
export function createElasticsearchSink(
  config: ElasticsearchSinkConfig,
  deps: ResolvedDeps,
): Sink {
  const query =
    config.pipeline === undefined
      ? ''
      : `?pipeline=${encodeURIComponent(config.pipeline)}`;
  const url = `${config.url.replace(/\/+$/, '')}/_bulk${query}`;
  const auth = authorizationHeader(
    { scheme: 'ApiKey', value: config.apiKey },
    config,
  );
  return {
    id: config.id,
    kind: config.kind,
    accepts: createRouteFilter(config),
    async send(batch) {
      if (batch.length === 0) {
        return;
      }
      const answer = await postHttp(
        config.id,
        {
          url,
          headers: {
            'Content-Type': 'application/x-ndjson',
            'User-Agent': userAgent(deps),
            ...config.headers,
            ...auth,
          },
          body: bulkBody(batch, config, deps),
          timeoutMs: config.timeoutMs,
        },
        deps.clock,
      );
      checkItems(config.id, batch, answer.body);
    },
    close: () => Promise.resolve(),
  };
}

/** Throws unless every item was created or already there. */
function checkItems(
  sinkId: string,
  batch: readonly Notification[],
  body: string,
): void {
  const items = parseItems(body);
  if (items === undefined || items.length !== batch.length) {
    // A 2xx we cannot read: trying again is safe (create + _id is idempotent).
    throw new SinkError(
      'SINK_ITEMS_REJECTED',
      `unexpected _bulk answer: ${excerpt(body)}`,
      { sinkId, retryable: true, body: excerpt(body) },
    );
  }
  const delivered: string[] = [];
  const refused: { id: string; item: BulkItem }[] = [];
  items.forEach((item, i) => {
    const id = batch[i]?.id ?? '';
    if ((item.status >= 200 && item.status < 300) || item.status === 409) {
      delivered.push(id);
    } else {
      refused.push({ id, item });
    }
  });
  const first = refused[0];
  if (!first) {
    return;
  }
  const reason = `${first.item.error?.type ?? 'error'}: ${first.item.error?.reason ?? ''}`;
  throw new SinkError(
    'SINK_ITEMS_REJECTED',
    `${String(refused.length)} of ${String(batch.length)} documents refused; first (${first.id}) ${String(first.item.status)} ${reason}`,
    {
      sinkId,
      retryable: refused.some(r => isRetryableStatus(r.item.status)),
      status: first.item.status,
      body: excerpt(reason),
      delivered,
    },
  );
}

function parseItems(body: string): BulkItem[] | undefined {
  try {
    const answer = JSON.parse(body) as { items?: unknown };
    if (!Array.isArray(answer.items)) {
      return undefined;
    }
    return answer.items.map(entry => {
      // Each item is keyed by its action: {"create": {...}}.
      const result = Object.values(entry as Record<string, BulkItem>)[0];
      return {
        status: result?.status ?? 0,
        ...(result?.error ? { error: result.error } : {}),
      };
    });
  } catch {
    return undefined;
  }
}
