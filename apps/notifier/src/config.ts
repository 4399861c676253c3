import { parseEnv, port, serviceEnv, url, type Env } from '@kubeguard/config';
import { z } from 'zod';

const schema = z.object({
  ...serviceEnv,
  /** Probes and metrics. */
  HTTP_PORT: port(9104),
  /** gRPC AlertService. */
  GRPC_PORT: port(50053),
  /** Where alerts are stored; the path names the database. */
  MONGO_URL: url(
    ['mongodb:', 'mongodb+srv:'],
    'mongodb://127.0.0.1:27017/kubeguard',
  ),
});

/** The notifier's configuration. */
export type NotifierConfig = z.infer<typeof schema>;

/** Reads and validates the notifier's environment. */
export function loadConfig(env: Env = process.env): NotifierConfig {
  return parseEnv(schema, env);
}
