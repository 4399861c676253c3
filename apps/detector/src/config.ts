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
  HTTP_PORT: port(9103),
  /** gRPC RuleService. */
  GRPC_PORT: port(50052),
  /** Site rule packs (rules, lists, macros, exceptions) applied over the built-in pack, comma-separated. */
  RULES_DIRS: z.string().default(''),
  /** How often rule files are checked for changes; 0 turns hot reload off. */
  RULES_RELOAD_MS: z.coerce
    .number()
    .int()
    .min(0, 'expected 0 or more milliseconds')
    .default(2000),
  /** Partitions the normalizer spreads events over; must equal its PARTITIONS. */
  PARTITIONS: positiveInt(16),
  /**
   * The partitions this replica evaluates: `all`, or numbers and ranges such
   * as `0-7` or `0,2,4-5`. Replicas split the partitions between them; each
   * partition's stateful windows live with it.
   */
  DETECTOR_PARTITIONS: z
    .string()
    .regex(
      /^(all|\d+(-\d+)?(,\d+(-\d+)?)*)$/,
      "expected 'all' or numbers and ranges like '0-7,12'",
    )
    .default('all'),
  /**
   * How long a first-seen rule only learns an identity's habits before it
   * reports new ones. A day by default, so a fresh install does not report
   * every identity's second action as new.
   */
  NEW_TERM_LEARNING_MS: z.coerce
    .number()
    .int()
    .min(0, 'expected 0 or more milliseconds')
    .default(24 * 60 * 60 * 1000),
  /** JetStream key-value bucket that keeps stateful rule windows across restarts. */
  STATE_BUCKET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "expected letters, digits, '-' or '_'")
    .default('detector-state'),
});

/** The detector's configuration. */
export type DetectorConfig = z.infer<typeof schema>;

/** Reads and validates the detector's environment. */
export function loadConfig(env: Env = process.env): DetectorConfig {
  return parseEnv(schema, env);
}

/**
 * The partition numbers a `DETECTOR_PARTITIONS` value names.
 * @throws Error naming the variable when a number is out of range
 */
export function ownedPartitions(spec: string, partitions: number): number[] {
  if (spec === 'all') {
    return Array.from({ length: partitions }, (_, i) => i);
  }
  const owned = new Set<number>();
  for (const part of spec.split(',')) {
    const [from = 0, to = from] = part.split('-').map(Number);
    for (let p = from; p <= to; p += 1) {
      if (p >= partitions) {
        throw new Error(
          `DETECTOR_PARTITIONS: partition ${String(p)} is out of range 0-${String(partitions - 1)}`,
        );
      }
      owned.add(p);
    }
  }
  return [...owned].sort((a, b) => a - b);
}
