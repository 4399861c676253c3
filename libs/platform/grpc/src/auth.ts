import { createHash, timingSafeEqual } from 'node:crypto';

import {
  Metadata,
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { Logger } from '@kubeguard/log';

/**
 * Request metadata key carrying the authenticated caller's name to handlers.
 * The server removes any value a client sends, so handlers can trust it.
 */
export const PRINCIPAL_METADATA_KEY = 'x-kubeguard-principal';

/** The caller's name when the server does not authenticate. */
export const ANONYMOUS = 'anonymous';

/** How {@link startGrpcServer} authenticates calls. */
export interface GrpcAuthOptions {
  /**
   * Bearer tokens by name (`name → token`). When any is set, every call but
   * health checks must send `authorization: Bearer <token>`; the token's
   * name is who the caller is.
   */
  tokens?: Readonly<Record<string, string>>;
  /**
   * Without tokens: the caller is the CN of its client certificate (which
   * TLS has verified against the client CA).
   */
  clientCertificates?: boolean;
}

type AuthContext = ReturnType<
  ServerInterceptingCallInterface['getAuthContext']
>;

type AuthOutcome =
  { ok: true; principal: string } | { ok: false; reason: string };

interface TokenEntry {
  name: string;
  digest: Buffer;
}

const HEALTH_PREFIX = '/grpc.health.v1.Health/';

/**
 * The interceptor that authenticates every call except health checks and
 * hands the caller's name to handlers (see {@link principalOf}); a refused
 * call ends with UNAUTHENTICATED and the reason. Tokens are compared as
 * SHA-256 digests in constant time, against every configured token.
 */
export function authInterceptor(
  options: GrpcAuthOptions,
  log: Logger,
): ServerInterceptor {
  const tokens: TokenEntry[] = Object.entries(options.tokens ?? {}).map(
    ([name, token]) => ({ name, digest: digest(token) }),
  );
  const authenticate = (
    metadata: Metadata,
    context: AuthContext,
  ): AuthOutcome => {
    const header = metadata.get('authorization')[0];
    if (tokens.length > 0) {
      if (header === undefined) {
        return {
          ok: false,
          reason:
            'authentication required: send "authorization: Bearer <token>"',
        };
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(String(header));
      if (match?.[1] === undefined) {
        return {
          ok: false,
          reason: 'authorization metadata must be "Bearer <token>"',
        };
      }
      const name = findToken(tokens, match[1]);
      return name === undefined
        ? { ok: false, reason: 'bearer token not recognised' }
        : { ok: true, principal: name };
    }
    if (options.clientCertificates === true) {
      const cn = context.sslPeerCertificate?.subject.CN;
      const name = Array.isArray(cn) ? cn[0] : cn;
      return name
        ? { ok: true, principal: name }
        : { ok: false, reason: 'a client certificate with a CN is required' };
    }
    return { ok: true, principal: ANONYMOUS };
  };

  return (method, call) => {
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        metadata.remove(PRINCIPAL_METADATA_KEY);
        if (method.path.startsWith(HEALTH_PREFIX)) {
          next(metadata);
          return;
        }
        const outcome = authenticate(metadata, call.getAuthContext());
        if (!outcome.ok) {
          log.warn('grpc call refused', {
            path: method.path,
            peer: call.getPeer(),
            reason: outcome.reason,
          });
          call.sendStatus({
            code: status.UNAUTHENTICATED,
            details: outcome.reason,
            metadata: new Metadata(),
          });
          return;
        }
        metadata.set(PRINCIPAL_METADATA_KEY, outcome.principal);
        next(metadata);
      })
      .build();
    return new ServerInterceptingCall(
      call,
      new ResponderBuilder()
        .withStart(next => {
          next(listener);
        })
        .build(),
    );
  };
}

/**
 * Who made a call: the name of its bearer token, the CN of its client
 * certificate, or 'anonymous' when the server does not authenticate.
 */
export function principalOf(call: { metadata: Metadata }): string {
  const value = call.metadata.get(PRINCIPAL_METADATA_KEY)[0];
  return typeof value === 'string' && value !== '' ? value : ANONYMOUS;
}

/** The name of the token, checking every entry so timing says nothing. */
function findToken(
  tokens: readonly TokenEntry[],
  presented: string,
): string | undefined {
  const candidate = digest(presented);
  let found: string | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(token.digest, candidate)) {
      found ??= token.name;
    }
  }
  return found;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
