import { z } from 'zod';

import { logLevel, positiveInt, url } from './fields.js';

/**
 * Variables every service reads, with defaults that run against a local
 * nats-server. Spread into a service's own schema.
 */
export const serviceEnv = {
  NATS_URL: url(['nats:', 'tls:'], 'nats://127.0.0.1:4222'),
  LOG_LEVEL: logLevel(),
  /** Interface the service's listeners bind; 0.0.0.0 in containers. */
  LISTEN_HOST: z.string().min(1).default('127.0.0.1'),
  /** Upper bound on a graceful shutdown before the process exits anyway. */
  SHUTDOWN_FORCE_MS: positiveInt(15_000),
};
