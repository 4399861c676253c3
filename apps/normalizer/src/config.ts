import {
  parseEnv,
  port,
  positiveInt,
  serviceEnv,
  type Env,
} from '@kubeguard/config';
import { z } from 'zod';

const schema = z.object({
  ...serviceEnv,
  /** Probes and metrics. */
  HTTP_PORT: port(9102),
  /**
   * Events are spread over this many partitions by cluster and actor, so
   * detector replicas can split the work and keep per-actor state together.
   */
  PARTITIONS: positiveInt(16),
  /** How long an auditID + stage is remembered to drop repeats from other batches. */
  DEDUP_WINDOW_MS: positiveInt(10 * 60 * 1000),
  /** Upper bound on remembered events (~100 bytes each): 1,000,000 ≈ 100 MB. */
  DEDUP_MAX_EVENTS: positiveInt(1_000_000),
});

/** The normalizer's configuration. */
export type NormalizerConfig = z.infer<typeof schema>;

/** Reads and validates the normalizer's environment. */
export function loadConfig(env: Env = process.env): NormalizerConfig {
  return parseEnv(schema, env);
}
