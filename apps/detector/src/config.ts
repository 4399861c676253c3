import { parseEnv, port, serviceEnv, type Env } from '@kubeguard/config';
import { z } from 'zod';

const schema = z.object({
  ...serviceEnv,
  /** Probes and metrics. */
  HTTP_PORT: port(9103),
  /** gRPC RuleService. */
  GRPC_PORT: port(50052),
});

/** The detector's configuration. */
export type DetectorConfig = z.infer<typeof schema>;

/** Reads and validates the detector's environment. */
export function loadConfig(env: Env = process.env): DetectorConfig {
  return parseEnv(schema, env);
}
