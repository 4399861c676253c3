import { Streams, type StreamName } from '@kubeguard/contracts';
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

/** Retention settings applied to every stream the bus creates. */
export interface StreamOptions {
  /**
   * How long messages are kept.
   * @default 7 days
   */
  maxAgeMs?: number;
  /**
   * Window in which a repeated message id is dropped as a duplicate.
   * @default 2 minutes (the JetStream default)
   */
  duplicateWindowMs?: number;
  /** @default 1 */
  replicas?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Creates each stream, or updates it when it exists, so a deployment converges
 * on the configuration of the running code.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  names: readonly StreamName[],
  options: StreamOptions = {},
): Promise<void> {
  for (const name of names) {
    const config: Partial<StreamConfig> & { name: string } = {
      name: Streams[name].name,
      subjects: [...Streams[name].subjects],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(options.maxAgeMs ?? 7 * DAY_MS),
      duplicate_window: nanos(options.duplicateWindowMs ?? 2 * 60 * 1000),
      num_replicas: options.replicas ?? 1,
    };
    try {
      await jsm.streams.info(config.name);
      await jsm.streams.update(config.name, config);
    } catch (err) {
      if (!isStreamNotFound(err)) {
        throw err;
      }
      await jsm.streams.add(config);
    }
  }
}

function isStreamNotFound(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    err.code === JetStreamApiCodes.StreamNotFound
  );
}
