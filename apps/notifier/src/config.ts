import { createSecureContext } from 'node:tls';

import {
  ConfigError,
  configFileReader,
  parseEnv,
  port,
  positiveInt,
  serviceEnv,
  url,
  type Env,
} from '@kubeguard/config';
import { errorMessage } from '@kubeguard/errors';
import type { GrpcAuthOptions, GrpcTlsOptions } from '@kubeguard/grpc';
import { z } from 'zod';

/** A whole number of 0 or more; 0 usually means "off". */
const wholeNumber = (fallback: number) =>
  z.coerce
    .number({ error: 'expected a whole number, 0 or more' })
    .int('expected a whole number, 0 or more')
    .min(0, 'expected a whole number, 0 or more')
    .default(fallback);

/** A path to a file; it is read (and checked) by {@link loadGrpcSecurity}. */
const file = () => z.string().min(1).optional();

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
  /** Alerts whose last detection is older are deleted; 0 keeps them forever. */
  ALERT_RETENTION_DAYS: wholeNumber(90),
  /**
   * How long alert changes are kept: how far back StreamAlerts can resume,
   * and how late a redelivered detection is still recognised as one.
   */
  ALERT_CHANGE_RETENTION_DAYS: positiveInt(7),
  /** How often an open StreamAlerts call looks for new changes. */
  STREAM_POLL_MS: positiveInt(250),
  /** PEM certificate (chain) the gRPC server serves TLS with. */
  GRPC_TLS_CERT_FILE: file(),
  /** PEM private key of GRPC_TLS_CERT_FILE. */
  GRPC_TLS_KEY_FILE: file(),
  /** PEM CA bundle: gRPC clients must present a certificate it signed (mTLS). */
  GRPC_CLIENT_CA_FILE: file(),
  /** `name=token,...`: bearer tokens accepted by the gRPC server, each with the caller's name. */
  GRPC_TOKENS: z.string().optional(),
  /** A file of `name=token` lines (`#` comments), instead of GRPC_TOKENS. */
  GRPC_TOKENS_FILE: file(),
});

/** The notifier's configuration. */
export type NotifierConfig = z.infer<typeof schema>;

/** What the gRPC server needs for TLS and authentication (spread into `startGrpcServer`). */
export interface GrpcSecurity {
  tls?: GrpcTlsOptions;
  auth?: GrpcAuthOptions;
}

const TOKEN_NAME = /^[A-Za-z0-9._@:-]{1,64}$/;
const MIN_TOKEN_LENGTH = 16;

/**
 * Reads and validates the notifier's environment, including the rules that
 * span variables: TLS needs both GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE;
 * GRPC_CLIENT_CA_FILE needs TLS; GRPC_TOKENS and GRPC_TOKENS_FILE exclude
 * each other.
 * @throws ConfigError listing every problem as `NAME: problem`
 */
export function loadConfig(env: Env = process.env): NotifierConfig {
  const config = parseEnv(schema, env);
  const problems: string[] = [];
  const cert = config.GRPC_TLS_CERT_FILE;
  const key = config.GRPC_TLS_KEY_FILE;
  if (cert !== undefined && key === undefined) {
    problems.push('GRPC_TLS_KEY_FILE: required when GRPC_TLS_CERT_FILE is set');
  }
  if (key !== undefined && cert === undefined) {
    problems.push('GRPC_TLS_CERT_FILE: required when GRPC_TLS_KEY_FILE is set');
  }
  if (config.GRPC_CLIENT_CA_FILE !== undefined && cert === undefined) {
    problems.push(
      'GRPC_CLIENT_CA_FILE: client certificates need TLS: set GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE',
    );
  }
  if (
    config.GRPC_TOKENS !== undefined &&
    config.GRPC_TOKENS_FILE !== undefined
  ) {
    problems.push(
      'GRPC_TOKENS_FILE: set either GRPC_TOKENS or GRPC_TOKENS_FILE, not both',
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return config;
}

/**
 * Reads the TLS files and tokens the configuration names and checks them:
 * readable PEM that Node accepts, tokens of at least 16 characters with
 * unique names and values.
 * @throws ConfigError naming each variable that is wrong
 */
export function loadGrpcSecurity(config: NotifierConfig): GrpcSecurity {
  const problems: string[] = [];
  const read = configFileReader(problems);

  const tokens = new Map<string, string>();
  const addToken = (variable: string, where: string, item: string): void => {
    const cut = item.indexOf('=');
    const name = item.slice(0, cut).trim();
    const token = item.slice(cut + 1).trim();
    if (cut <= 0 || token === '') {
      problems.push(`${variable}: ${where}: expected 'name=token'`);
    } else if (!TOKEN_NAME.test(name)) {
      problems.push(
        `${variable}: ${where}: name must be 1-64 letters, digits or . _ @ : -, got '${name}'`,
      );
    } else if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
      problems.push(
        `${variable}: ${where}: token of '${name}' must have at least ${String(MIN_TOKEN_LENGTH)} characters and no spaces`,
      );
    } else if (tokens.has(name)) {
      problems.push(`${variable}: ${where}: name '${name}' is given twice`);
    } else if ([...tokens.values()].includes(token)) {
      problems.push(
        `${variable}: ${where}: the token of '${name}' is also another name's token`,
      );
    } else {
      tokens.set(name, token);
    }
  };
  (config.GRPC_TOKENS ?? '')
    .split(',')
    .map(item => item.trim())
    .forEach((item, i) => {
      if (item !== '') {
        addToken('GRPC_TOKENS', `item ${String(i + 1)}`, item);
      }
    });
  const tokenFile = read('GRPC_TOKENS_FILE', config.GRPC_TOKENS_FILE);
  if (tokenFile !== undefined) {
    const before = problems.length;
    tokenFile
      .toString('utf8')
      .split(/\r?\n/)
      .forEach((raw, i) => {
        const line = raw.trim();
        if (line !== '' && !line.startsWith('#')) {
          addToken('GRPC_TOKENS_FILE', `line ${String(i + 1)}`, line);
        }
      });
    if (tokens.size === 0 && problems.length === before) {
      problems.push(
        `GRPC_TOKENS_FILE: '${config.GRPC_TOKENS_FILE ?? ''}' holds no 'name=token' line`,
      );
    }
  }

  const cert = read('GRPC_TLS_CERT_FILE', config.GRPC_TLS_CERT_FILE);
  const key = read('GRPC_TLS_KEY_FILE', config.GRPC_TLS_KEY_FILE);
  const clientCa = read('GRPC_CLIENT_CA_FILE', config.GRPC_CLIENT_CA_FILE);
  let tls: GrpcTlsOptions | undefined;
  if (cert !== undefined && key !== undefined) {
    tls = { cert, key, ...(clientCa === undefined ? {} : { clientCa }) };
    try {
      createSecureContext({ cert, key, ...(clientCa ? { ca: clientCa } : {}) });
    } catch (err) {
      problems.push(
        `GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE, GRPC_CLIENT_CA_FILE: not a usable PEM certificate, key and CA: ${errorMessage(err)}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }

  const security: GrpcSecurity = {};
  if (tls !== undefined) {
    security.tls = tls;
  }
  if (tokens.size > 0 || clientCa !== undefined) {
    security.auth = {
      ...(tokens.size > 0 ? { tokens: Object.fromEntries(tokens) } : {}),
      clientCertificates: clientCa !== undefined,
    };
  }
  return security;
}
