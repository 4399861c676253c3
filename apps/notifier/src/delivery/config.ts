import {
  ConfigError,
  parseEnv,
  positiveInt,
  type Env,
} from '@kubeguard/config';
import { z } from 'zod';

/**
 * Delivery settings, as environment variables. Spread into the notifier's
 * schema so one parse reports every bad variable.
 */
export const deliveryEnv = {
  /** YAML or JSON file listing the sinks; unset means no sinks (alerts are only stored). */
  SINKS_FILE: z.string().min(1).optional(),
  /** Attempts per notification before it becomes a dead letter. */
  DELIVERY_MAX_ATTEMPTS: positiveInt(10),
  /** First retry delay; doubles per attempt, with full jitter. */
  DELIVERY_BACKOFF_BASE_MS: positiveInt(1_000),
  /** Upper bound of the retry delay. */
  DELIVERY_BACKOFF_MAX_MS: positiveInt(300_000),
  /**
   * How long a claimed batch is reserved for the notifier sending it. A
   * notifier that dies mid-send leaves its batch to be retried after this; a
   * send is abandoned (and retried) after half of it.
   */
  DELIVERY_LEASE_MS: positiveInt(60_000),
  /** Notifications handed to a sink at once. */
  DELIVERY_BATCH_SIZE: positiveInt(20),
  /** How often an idle sink looks for due notifications enqueued elsewhere. */
  DELIVERY_POLL_MS: positiveInt(1_000),
  /** How long delivered notifications stay in the outbox (for inspection and de-duplication). */
  DELIVERY_RETENTION_HOURS: positiveInt(168),
};

const schema = z.object(deliveryEnv);

/** The delivery part of the notifier's configuration. */
export type DeliveryConfig = z.infer<typeof schema>;

/** Reads and validates the delivery variables alone (the CLI uses this). */
export function loadDeliveryConfig(env: Env = process.env): DeliveryConfig {
  return parseEnv(schema, env);
}

/**
 * The service configuration from `loadBase` with the delivery variables
 * added; when both are wrong, one error lists every problem.
 * @throws ConfigError
 */
export function withDeliveryConfig<Base extends object>(
  loadBase: (env: Env) => Base,
  env: Env = process.env,
): Readonly<Base & DeliveryConfig> {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof ConfigError)) {
        throw err;
      }
      problems.push(...err.problems);
      return undefined;
    }
  };
  const base = attempt(() => loadBase(env));
  const delivery = attempt(() => loadDeliveryConfig(env));
  if (base === undefined || delivery === undefined) {
    throw new ConfigError(problems);
  }
  return Object.freeze({ ...base, ...delivery });
}

/** The tuning knobs of the delivery loops, from the configuration. */
export interface DeliverySettings {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  leaseMs: number;
  batchSize: number;
  pollMs: number;
}

/** {@link DeliverySettings} of a parsed configuration. */
export function deliverySettings(config: DeliveryConfig): DeliverySettings {
  return {
    maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
    backoffBaseMs: config.DELIVERY_BACKOFF_BASE_MS,
    backoffMaxMs: config.DELIVERY_BACKOFF_MAX_MS,
    leaseMs: config.DELIVERY_LEASE_MS,
    batchSize: config.DELIVERY_BATCH_SIZE,
    pollMs: config.DELIVERY_POLL_MS,
  };
}
