import { isAbsolute } from 'node:path';

import {
  ConfigError,
  parseEnv,
  port,
  positiveInt,
  serviceEnv,
  token,
  type Env,
} from '@kubeguard/config';
import { z } from 'zod';

/** `true` or `false` (also `1`/`0`, `yes`/`no`), default false. */
const flag = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], {
      error: "expected 'true' or 'false'",
    })
    .default('false')
    .transform(value => value === 'true' || value === '1' || value === 'yes');

/** A path to a file; existence is checked when the file is read. */
const file = () => z.string().min(1).optional();

/** Comma-separated items, blanks dropped. */
const list = () =>
  z
    .string()
    .optional()
    .transform(value =>
      (value ?? '')
        .split(',')
        .map(item => item.trim())
        .filter(item => item !== ''),
    );

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
  /**
   * 12 MiB: the API server's largest webhook batch (10 MiB) plus headroom.
   * Applies to the body as sent and, for gzip, to the decompressed body.
   */
  MAX_BATCH_BYTES: positiveInt(12 * 1024 * 1024),

  /** PEM certificate (chain) the webhook serves HTTPS with. */
  WEBHOOK_TLS_CERT_FILE: file(),
  /** PEM private key of WEBHOOK_TLS_CERT_FILE. */
  WEBHOOK_TLS_KEY_FILE: file(),
  /** PEM CA bundle: a client certificate it signed authenticates the API server (mTLS). */
  WEBHOOK_CLIENT_CA_FILE: file(),
  /** `CN=cluster,...`: cluster of each client-certificate CN; when set, other CNs are refused. */
  WEBHOOK_CLIENT_CLUSTERS: list(),
  /** `token=cluster,...`: bearer tokens the API servers send, each with its cluster. */
  WEBHOOK_TOKENS: list(),
  /** A file of `token,cluster` lines (`#` comments), like WEBHOOK_TOKENS. */
  WEBHOOK_TOKENS_FILE: file(),
  /** Serve plain HTTP on a non-loopback LISTEN_HOST (e.g. behind a TLS-terminating proxy). */
  WEBHOOK_ALLOW_PLAIN_HTTP: flag(),
  /** Accept requests without credentials, stamped with CLUSTER_NAME. */
  WEBHOOK_ALLOW_UNAUTHENTICATED: flag(),

  /** Audit log files to tail (`--audit-log-path`), comma-separated absolute paths. */
  FILE_PATHS: list(),
  /** How often the tailed files are checked for new lines and rotation. */
  FILE_POLL_MS: positiveInt(250),
  /** Lines per file batch at most. */
  FILE_BATCH_LINES: positiveInt(1000),
  /**
   * Bytes per file batch at most (and at most MAX_BATCH_BYTES); keep it below
   * the NATS server's max_payload (1 MiB by default).
   */
  FILE_BATCH_BYTES: positiveInt(1_000_000),
  /** A batch with fewer lines is published once its first line is this old. */
  FILE_BATCH_MS: positiveInt(200),
  /** JetStream key-value bucket holding each tailed file's committed offset. */
  FILE_OFFSETS_BUCKET: token('collector-file-offsets'),
});

/** The collector's configuration. */
export type CollectorConfig = z.infer<typeof schema>;

/** True for a host that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(bare) ||
    bare === '::ffff:127.0.0.1'
  );
}

/** True when some webhook credential (token or client CA) is configured. */
export function hasWebhookCredentials(config: CollectorConfig): boolean {
  return (
    config.WEBHOOK_TOKENS.length > 0 ||
    config.WEBHOOK_TOKENS_FILE !== undefined ||
    config.WEBHOOK_CLIENT_CA_FILE !== undefined
  );
}

/**
 * Reads and validates the collector's environment, including the rules that
 * span variables (see `apps/collector/README.md`):
 * - HTTPS needs both WEBHOOK_TLS_CERT_FILE and WEBHOOK_TLS_KEY_FILE;
 * - without them, plain HTTP only on a loopback LISTEN_HOST or with
 *   WEBHOOK_ALLOW_PLAIN_HTTP=true;
 * - a non-loopback webhook needs credentials or WEBHOOK_ALLOW_UNAUTHENTICATED=true.
 * @throws ConfigError listing every problem as `NAME: problem`
 */
export function loadConfig(env: Env = process.env): CollectorConfig {
  const config = parseEnv(schema, env);
  const problems: string[] = [];
  const cert = config.WEBHOOK_TLS_CERT_FILE;
  const key = config.WEBHOOK_TLS_KEY_FILE;
  const loopback = isLoopbackHost(config.LISTEN_HOST);
  if (cert !== undefined && key === undefined) {
    problems.push(
      'WEBHOOK_TLS_KEY_FILE: required when WEBHOOK_TLS_CERT_FILE is set',
    );
  }
  if (key !== undefined && cert === undefined) {
    problems.push(
      'WEBHOOK_TLS_CERT_FILE: required when WEBHOOK_TLS_KEY_FILE is set',
    );
  }
  const tls = cert !== undefined && key !== undefined;
  if (config.WEBHOOK_CLIENT_CA_FILE !== undefined && !tls) {
    problems.push(
      'WEBHOOK_CLIENT_CA_FILE: client certificates need HTTPS: set WEBHOOK_TLS_CERT_FILE and WEBHOOK_TLS_KEY_FILE',
    );
  }
  if (
    config.WEBHOOK_CLIENT_CLUSTERS.length > 0 &&
    config.WEBHOOK_CLIENT_CA_FILE === undefined
  ) {
    problems.push(
      'WEBHOOK_CLIENT_CLUSTERS: needs WEBHOOK_CLIENT_CA_FILE (the CA that signs the client certificates)',
    );
  }
  if (
    cert === undefined &&
    key === undefined &&
    !loopback &&
    !config.WEBHOOK_ALLOW_PLAIN_HTTP
  ) {
    problems.push(
      `WEBHOOK_TLS_CERT_FILE: the webhook would serve plain HTTP on LISTEN_HOST '${config.LISTEN_HOST}', which is not loopback: set WEBHOOK_TLS_CERT_FILE and WEBHOOK_TLS_KEY_FILE, or WEBHOOK_ALLOW_PLAIN_HTTP=true (e.g. behind a TLS-terminating proxy)`,
    );
  }
  if (
    !hasWebhookCredentials(config) &&
    !loopback &&
    !config.WEBHOOK_ALLOW_UNAUTHENTICATED
  ) {
    problems.push(
      `WEBHOOK_TOKENS: no webhook credentials configured and LISTEN_HOST '${config.LISTEN_HOST}' is not loopback: set WEBHOOK_TOKENS, WEBHOOK_TOKENS_FILE or WEBHOOK_CLIENT_CA_FILE, or WEBHOOK_ALLOW_UNAUTHENTICATED=true`,
    );
  }
  const relative = config.FILE_PATHS.filter(path => !isAbsolute(path));
  if (relative.length > 0) {
    problems.push(
      `FILE_PATHS: expected absolute paths, got '${relative.join("', '")}'`,
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return config;
}
