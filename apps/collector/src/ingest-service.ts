import {
  RawSource,
  type IngestServiceServer,
  PushResponse,
} from '@kubeguard/contracts';
import { InvalidArgumentError } from '@kubeguard/errors';
import { unary } from '@kubeguard/grpc';
import type { Logger } from '@kubeguard/log';

import { gunzipLimited, isGzip } from './gzip.js';
import type { RawStore } from './raw-store.js';

/**
 * gRPC IngestService: push a raw batch, answered after it is stored. A body
 * that starts with the gzip magic is decompressed first (within
 * `maxBatchBytes`), so what is stored is always plain.
 */
export function createIngestService(
  store: RawStore,
  maxBatchBytes: number,
  log: Logger,
): IngestServiceServer {
  return {
    push: unary(log, async request => {
      if (request.body.length === 0) {
        throw new InvalidArgumentError('body', 'must not be empty');
      }
      if (request.body.length > maxBatchBytes) {
        throw new InvalidArgumentError(
          'body',
          `exceeds MAX_BATCH_BYTES (${String(maxBatchBytes)} bytes)`,
        );
      }
      if (
        request.cluster !== '' &&
        !/^[A-Za-z0-9_-]{1,64}$/.test(request.cluster)
      ) {
        throw new InvalidArgumentError(
          'cluster',
          `expected 1-64 letters, digits, '-' or '_', got '${request.cluster}'`,
        );
      }
      let body = request.body;
      if (isGzip(body)) {
        try {
          body = await gunzipLimited(body, maxBatchBytes);
        } catch (err) {
          throw new InvalidArgumentError(
            'body',
            err instanceof Error ? err.message : String(err),
          );
        }
        if (body.length === 0) {
          throw new InvalidArgumentError('body', 'decompresses to nothing');
        }
      }
      const stored = await store.store({
        body,
        contentType: request.contentType || 'application/json',
        source: RawSource.GRPC,
        origin: request.origin,
        cluster: request.cluster,
      });
      return PushResponse.create(stored);
    }),
  };
}
