import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from '@kubeguard/log';
import { HealthImplementation } from 'grpc-health-check';

/** A service definition and its implementation, as ts-proto generates them. */
export type ServiceBinding = readonly [
  ServiceDefinition,
  UntypedServiceImplementation,
];

/** Options for {@link startGrpcServer}. */
export interface GrpcServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  services: readonly ServiceBinding[];
  log: Logger;
  /** @default insecure */
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
 * reporting SERVING for `''` and every service name until close.
 */
export async function startGrpcServer(
  options: GrpcServerOptions,
): Promise<GrpcServer> {
  const server = new Server();
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
    server.bindAsync(
      address,
      options.credentials ?? ServerCredentials.createInsecure(),
      (err, bound) => {
        if (err) {
          reject(err);
        } else {
          resolve(bound);
        }
      },
    );
  });
  options.log.info('grpc listening', { address, port, services: names });
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

/** `kubeguard.v1.AlertService` from the path of the definition's first method. */
function serviceName(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  return first ? (first.path.split('/')[1] ?? '') : '';
}
