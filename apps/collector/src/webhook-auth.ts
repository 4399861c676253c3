import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createSecureContext, TLSSocket } from 'node:tls';

import { ConfigError, configFileReader } from '@kubeguard/config';
import { errorMessage } from '@kubeguard/errors';

import {
  hasWebhookCredentials,
  isLoopbackHost,
  type CollectorConfig,
} from './config.js';

const CLUSTER = /^[A-Za-z0-9_-]{1,64}$/;
const MIN_TOKEN_LENGTH = 16;

/** How the webhook authenticates a request and finds its cluster. */
export interface WebhookAuth {
  /** SHA-256 of each accepted bearer token, with its cluster. */
  readonly tokens: readonly TokenEntry[];
  /** Client certificates signed by the configured CA are accepted. */
  readonly clientCertificates: boolean;
  /** CN → cluster; when present, CNs not listed are refused. */
  readonly clientClusters?: ReadonlyMap<string, string>;
  /** Requests without credentials are accepted and stamped with `defaultCluster`. */
  readonly allowUnauthenticated: boolean;
  readonly defaultCluster: string;
}

interface TokenEntry {
  readonly digest: Buffer;
  readonly cluster: string;
}

/** Certificate, key and optional client CA the webhook serves HTTPS with. */
export interface WebhookTls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** The outcome of authenticating one request. */
export type AuthOutcome =
  | {
      ok: true;
      cluster: string;
      via: 'token' | 'certificate' | 'unauthenticated';
    }
  | {
      ok: false;
      /** `unauthenticated`: no credentials; `bad_credentials`: wrong ones. */
      result: 'unauthenticated' | 'bad_credentials';
      reason: string;
    };

/** Builds a {@link WebhookAuth} from token/cluster pairs, for tests and tools. */
export function tokenAuth(
  tokens: Readonly<Record<string, string>>,
  options: Partial<Omit<WebhookAuth, 'tokens'>> = {},
): WebhookAuth {
  return {
    tokens: Object.entries(tokens).map(([value, cluster]) => ({
      digest: digest(value),
      cluster,
    })),
    clientCertificates: options.clientCertificates ?? false,
    ...(options.clientClusters === undefined
      ? {}
      : { clientClusters: options.clientClusters }),
    allowUnauthenticated: options.allowUnauthenticated ?? false,
    defaultCluster: options.defaultCluster ?? 'default',
  };
}

/**
 * Reads the webhook's TLS files and credentials named by the configuration.
 * Unauthenticated requests are allowed when WEBHOOK_ALLOW_UNAUTHENTICATED is
 * set, or when no credential is configured at all and the webhook listens on
 * loopback only (local use with no configuration).
 * @throws ConfigError naming the variable of each unreadable or malformed value
 */
export function loadWebhookSecurity(config: CollectorConfig): {
  auth: WebhookAuth;
  tls?: WebhookTls;
} {
  const problems: string[] = [];
  const read = configFileReader(problems);

  const tokens = new Map<string, string>();
  const addToken = (
    where: string,
    value: string,
    cluster: string,
    name: string,
  ): void => {
    if (value.length < MIN_TOKEN_LENGTH) {
      problems.push(
        `${name}: ${where}: token must have at least ${String(MIN_TOKEN_LENGTH)} characters`,
      );
    } else if (!CLUSTER.test(cluster)) {
      problems.push(
        `${name}: ${where}: cluster must be 1-64 letters, digits, '-' or '_', got '${cluster}'`,
      );
    } else if ((tokens.get(value) ?? cluster) !== cluster) {
      problems.push(
        `${name}: ${where}: the same token is given for clusters '${tokens.get(value) ?? ''}' and '${cluster}'`,
      );
    } else {
      tokens.set(value, cluster);
    }
  };
  config.WEBHOOK_TOKENS.forEach((pair, i) => {
    const cut = pair.lastIndexOf('=');
    if (cut <= 0) {
      problems.push(
        `WEBHOOK_TOKENS: item ${String(i + 1)}: expected 'token=cluster'`,
      );
      return;
    }
    addToken(
      `item ${String(i + 1)}`,
      pair.slice(0, cut).trim(),
      pair.slice(cut + 1).trim(),
      'WEBHOOK_TOKENS',
    );
  });
  const tokenFile = read('WEBHOOK_TOKENS_FILE', config.WEBHOOK_TOKENS_FILE);
  if (tokenFile !== undefined) {
    let found = 0;
    tokenFile
      .toString('utf8')
      .split(/\r?\n/)
      .forEach((raw, i) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#')) {
          return;
        }
        const fields = line.split(',').map(field => field.trim());
        if (fields.length !== 2) {
          problems.push(
            `WEBHOOK_TOKENS_FILE: line ${String(i + 1)}: expected 'token,cluster'`,
          );
          return;
        }
        found += 1;
        addToken(
          `line ${String(i + 1)}`,
          fields[0] ?? '',
          fields[1] ?? '',
          'WEBHOOK_TOKENS_FILE',
        );
      });
    if (found === 0) {
      problems.push(
        `WEBHOOK_TOKENS_FILE: '${config.WEBHOOK_TOKENS_FILE ?? ''}' holds no 'token,cluster' line`,
      );
    }
  }

  let clientClusters: Map<string, string> | undefined;
  if (config.WEBHOOK_CLIENT_CLUSTERS.length > 0) {
    clientClusters = new Map();
    for (const [i, pair] of config.WEBHOOK_CLIENT_CLUSTERS.entries()) {
      const cut = pair.lastIndexOf('=');
      const cn = pair.slice(0, cut).trim();
      const cluster = pair.slice(cut + 1).trim();
      if (cut <= 0 || cn === '' || !CLUSTER.test(cluster)) {
        problems.push(
          `WEBHOOK_CLIENT_CLUSTERS: item ${String(i + 1)}: expected 'CN=cluster' with a cluster of 1-64 letters, digits, '-' or '_'`,
        );
      } else {
        clientClusters.set(cn, cluster);
      }
    }
  }

  const cert = read('WEBHOOK_TLS_CERT_FILE', config.WEBHOOK_TLS_CERT_FILE);
  const key = read('WEBHOOK_TLS_KEY_FILE', config.WEBHOOK_TLS_KEY_FILE);
  const ca = read('WEBHOOK_CLIENT_CA_FILE', config.WEBHOOK_CLIENT_CA_FILE);
  let tls: WebhookTls | undefined;
  if (cert !== undefined && key !== undefined) {
    tls = { cert, key, ...(ca === undefined ? {} : { ca }) };
    try {
      createSecureContext(tls);
    } catch (err) {
      problems.push(
        `WEBHOOK_TLS_CERT_FILE, WEBHOOK_TLS_KEY_FILE, WEBHOOK_CLIENT_CA_FILE: not a usable PEM certificate, key and CA: ${errorMessage(err)}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }

  const auth: WebhookAuth = {
    tokens: [...tokens].map(([value, cluster]) => ({
      digest: digest(value),
      cluster,
    })),
    clientCertificates: ca !== undefined,
    ...(clientClusters === undefined ? {} : { clientClusters }),
    allowUnauthenticated:
      config.WEBHOOK_ALLOW_UNAUTHENTICATED ||
      (!hasWebhookCredentials(config) && isLoopbackHost(config.LISTEN_HOST)),
    defaultCluster: config.CLUSTER_NAME,
  };
  return tls === undefined ? { auth } : { auth, tls };
}

/**
 * Authenticates a webhook request: a bearer token when the request carries an
 * Authorization header (compared in constant time with every configured
 * token), else a client certificate verified against the client CA, else
 * none, which passes only when unauthenticated requests are allowed.
 */
export function authenticate(
  auth: WebhookAuth,
  req: IncomingMessage,
): AuthOutcome {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] === undefined) {
      return {
        ok: false,
        result: 'bad_credentials',
        reason: 'Authorization header must be "Bearer <token>"',
      };
    }
    const cluster = findToken(auth.tokens, match[1]);
    return cluster === undefined
      ? {
          ok: false,
          result: 'bad_credentials',
          reason: 'bearer token not recognised',
        }
      : { ok: true, cluster, via: 'token' };
  }

  const socket = req.socket;
  if (auth.clientCertificates && socket instanceof TLSSocket) {
    const peer = socket.getPeerCertificate();
    if (Object.keys(peer).length > 0) {
      if (!socket.authorized) {
        return {
          ok: false,
          result: 'bad_credentials',
          reason: `client certificate not trusted: ${String(socket.authorizationError)}`,
        };
      }
      return clusterOfCertificate(auth, peer.subject.CN);
    }
  }

  if (auth.allowUnauthenticated) {
    return { ok: true, cluster: auth.defaultCluster, via: 'unauthenticated' };
  }
  const accepted = [
    ...(auth.tokens.length > 0 ? ['a bearer token'] : []),
    ...(auth.clientCertificates ? ['a client certificate'] : []),
  ];
  return {
    ok: false,
    result: 'unauthenticated',
    reason: `authentication required: send ${accepted.length > 0 ? accepted.join(' or ') : 'credentials'}`,
  };
}

function clusterOfCertificate(
  auth: WebhookAuth,
  cnValue: string | string[] | undefined,
): AuthOutcome {
  const cn = (Array.isArray(cnValue) ? cnValue[0] : cnValue) ?? '';
  if (auth.clientClusters !== undefined) {
    const mapped = auth.clientClusters.get(cn);
    return mapped === undefined
      ? {
          ok: false,
          result: 'bad_credentials',
          reason: `client certificate CN '${cn}' is not listed in WEBHOOK_CLIENT_CLUSTERS`,
        }
      : { ok: true, cluster: mapped, via: 'certificate' };
  }
  return CLUSTER.test(cn)
    ? { ok: true, cluster: cn, via: 'certificate' }
    : {
        ok: false,
        result: 'bad_credentials',
        reason: `client certificate CN '${cn}' is not a cluster name (1-64 letters, digits, '-' or '_'); map it in WEBHOOK_CLIENT_CLUSTERS`,
      };
}

/** Compares against every entry, so the time taken does not tell which matched. */
function findToken(
  tokens: readonly TokenEntry[],
  presented: string,
): string | undefined {
  const presentedDigest = digest(presented);
  let found: string | undefined;
  for (const entry of tokens) {
    if (timingSafeEqual(entry.digest, presentedDigest)) {
      found = entry.cluster;
    }
  }
  return found;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
