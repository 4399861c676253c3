import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from '@kubeguard/log';
import { HealthImplementation } from 'grpc-health-check';

import { authInterceptor, type GrpcAuthOptions } from './auth.js';

/** A service definition and its implementation, as ts-proto generates them. */
export type ServiceBinding = readonly [
  ServiceDefinition,
  UntypedServiceImplementation,
];

/** PEM certificate and key the server serves TLS with. */
export interface GrpcTlsOptions {
  cert: Buffer;
  key: Buffer;
  /** PEM CA bundle: when set, clients must present a certificate it signed (mTLS). */
  clientCa?: Buffer;
}

/** Options for {@link startGrpcServer}. */
export interface GrpcServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  services: readonly ServiceBinding[];
  log: Logger;
  /** Serve TLS (see {@link GrpcTlsOptions}). @default plaintext */
  tls?: GrpcTlsOptions;
  /** Authenticate calls; health checks stay open. @default every caller is 'anonymous' */
  auth?: GrpcAuthOptions;
  /** Raw credentials, instead of `tls`. @default insecure */
  credentials?: ServerCredentials;
  /** How long in-flight calls may finish at close before they are cut. @default 5000 */
  graceMs?: number;
}

/** A running gRPC server. */
export interface GrpcServer {
  readonly port: number;
  /** Marks every service NOT_SERVING, lets calls finish, then stops. */
  close(): Promise<void>;
}

/**
 * Starts a gRPC server with the given services plus `grpc.health.v1.Health`,
 * reporting SERVING for `''` and every service name until close. With
 * `auth`, calls other than health checks must authenticate (UNAUTHENTICATED
 * with the reason otherwise); handlers learn who called from `principalOf`.
 * @throws Error when both `tls` and `credentials` are given
 */
export async function startGrpcServer(
  options: GrpcServerOptions,
): Promise<GrpcServer> {
  if (options.tls !== undefined && options.credentials !== undefined) {
    throw new Error(
      'startGrpcServer: give either tls or credentials, not both',
    );
  }
  // Installed even without auth: it strips a principal a client sends itself.
  const server = new Server({
    interceptors: [authInterceptor(options.auth ?? {}, options.log)],
  });
  const names = options.services.map(([definition]) => serviceName(definition));
  const health = new HealthImplementation(
    Object.fromEntries(['', ...names].map(name => [name, 'SERVING'])),
  );
  health.addToServer(server);
  for (const [definition, implementation] of options.services) {
    server.addService(definition, implementation);
  }
  const address = `${options.host ?? '127.0.0.1'}:${String(options.port)}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentialsOf(options), (err, bound) => {
      if (err) {
        reject(err);
      } else {
        resolve(bound);
      }
    });
  });
  options.log.info('grpc listening', {
    address,
    port,
    services: names,
    tls: options.tls !== undefined,
    clientCertificates: options.tls?.clientCa !== undefined,
    tokens: Object.keys(options.auth?.tokens ?? {}).length,
  });
  const graceMs = options.graceMs ?? 5000;

  return {
    port,
    close: () =>
      new Promise<void>(resolve => {
        for (const name of ['', ...names]) {
          health.setStatus(name, 'NOT_SERVING');
        }
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

function credentialsOf(options: GrpcServerOptions): ServerCredentials {
  if (options.tls === undefined) {
    return options.credentials ?? ServerCredentials.createInsecure();
  }
  const { cert, key, clientCa } = options.tls;
  return ServerCredentials.createSsl(
    clientCa ?? null,
    [{ cert_chain: cert, private_key: key }],
    clientCa !== undefined,
  );
}

/** `kubeguard.v1.AlertService` from the path of the definition's first method. */
function serviceName(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  return first ? (first.path.split('/')[1] ?? '') : '';
}
