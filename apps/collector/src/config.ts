import {
  parseEnv,
  port,
  positiveInt,
  serviceEnv,
  token,
  type Env,
} from '@kubeguard/config';
import { z } from 'zod';

const schema = z.object({
  ...serviceEnv,
  /** Probes and metrics. */
  HTTP_PORT: port(9101),
  /** The audit webhook the kube-apiserver posts to. */
  WEBHOOK_PORT: port(8080),
  /** gRPC IngestService. */
  GRPC_PORT: port(50051),
  /** Stamped on every event received, so alerts say which cluster they came from. */
  CLUSTER_NAME: token('default'),
  /** 12 MiB: the API server's largest webhook batch (10 MiB) plus headroom. */
  MAX_BATCH_BYTES: positiveInt(12 * 1024 * 1024),
});

/** The collector's configuration. */
export type CollectorConfig = z.infer<typeof schema>;

/** Reads and validates the collector's environment. */
export function loadConfig(env: Env = process.env): CollectorConfig {
  return parseEnv(schema, env);
}
