import { createHash } from 'node:crypto';

import type { Bus } from '@kubeguard/bus';
import { RawBatch, type RawSource, rawSubject } from '@kubeguard/contracts';

import { splitBody } from './split-body.js';

/** How a batch arrived. */
export interface RawInput {
  body: Buffer;
  contentType: string;
  source: RawSource;
  origin: string;
  /** Overrides the collector's default cluster name. */
  cluster?: string;
  /**
   * Overrides the batch id (and JetStream msg id), e.g. a file position, for
   * input whose repeats are known by where they come from rather than their bytes.
   */
  batchId?: string;
}

/** What storing a batch did. */
export interface StoredBatch {
  batchId: string;
  duplicate: boolean;
}

/** Stores raw batches on the AUDIT_RAW stream. */
export interface RawStore {
  /**
   * Resolves once JetStream has stored the batch.
   * @throws UnavailableError when it could not be stored
   */
  store(input: RawInput): Promise<StoredBatch>;
}

/**
 * The batch id is a digest of cluster and body unless the input brings its
 * own: an API server retrying a batch sends the same bytes, so JetStream
 * drops the repeat.
 */
export function createRawStore(bus: Bus, defaultCluster: string): RawStore {
  return {
    async store(input) {
      const cluster = input.cluster || defaultCluster;
      const batchId =
        input.batchId ??
        createHash('sha256')
          .update(cluster)
          .update('\u0000')
          .update(input.body)
          .digest('hex')
          .slice(0, 32);
      // Room for the RawBatch fields and headers around the body.
      const parts = splitBody(input.body, bus.maxPayload() - 4096);
      let duplicate = true;
      for (const [index, body] of parts.entries()) {
        // Parts get ids of their own, derived from the whole, so a retried
        // batch is cut and de-duplicated the same way.
        const partId =
          parts.length === 1 ? batchId : `${batchId}-${String(index)}`;
        const batch = RawBatch.create({
          batchId: partId,
          cluster,
          source: input.source,
          origin: input.origin,
          contentType: input.contentType,
          receivedUnixMicros: Date.now() * 1000,
          body,
        });
        const result = await bus.publish(rawSubject(cluster), RawBatch, batch, {
          msgId: partId,
        });
        duplicate &&= result.duplicate;
      }
      return { batchId, duplicate };
    },
  };
}
