import { credentials } from '@grpc/grpc-js';
import { AlertServiceClient } from '@kubeguard/contracts';
import {
  freePort,
  startMongoServer,
  startNatsServer,
  startService,
  type MongoServerHandle,
  type NatsServerHandle,
  type ServiceProcess,
} from '@kubeguard/testing';

/** The four services, running as processes against their own servers. */
export interface RunningSystem {
  nats: NatsServerHandle;
  mongo: MongoServerHandle;
  services: ServiceProcess[];
  /** The collector's audit webhook, e.g. `http://127.0.0.1:41234/`. */
  webhookUrl: string;
  /** A client of the notifier's AlertService. */
  alerts: AlertServiceClient;
  /** Where AlertService listens, `127.0.0.1:<port>`. */
  alertsAddress: string;
  /** Stops the services (SIGTERM), then the servers. */
  stop(): Promise<void>;
}

/** What differs between systems: the cluster name and the notifier's extra env. */
export interface SystemOptions {
  cluster: string;
  /** The notifier's database on the MongoDB-wire server. */
  database: string;
  notifierEnv?: Record<string, string>;
}

/**
 * Starts nats-server and the MongoDB-wire server on free ports, then the
 * collector, normalizer, detector and notifier from their sources.
 */
export async function startSystem(
  options: SystemOptions,
): Promise<RunningSystem> {
  const [nats, mongo] = await Promise.all([
    startNatsServer(),
    startMongoServer(),
  ]);
  const ports = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  const port = (i: number): string => String(ports[i]);
  const common = { NATS_URL: nats.url, LOG_LEVEL: 'warn' };
  const services = await Promise.all([
    startService({
      app: 'collector',
      env: {
        ...common,
        HTTP_PORT: port(0),
        WEBHOOK_PORT: port(1),
        GRPC_PORT: port(2),
        CLUSTER_NAME: options.cluster,
      },
    }),
    startService({ app: 'normalizer', env: { ...common, HTTP_PORT: port(3) } }),
    startService({
      app: 'detector',
      env: { ...common, HTTP_PORT: port(4), GRPC_PORT: port(5) },
    }),
    startService({
      app: 'notifier',
      env: {
        ...common,
        HTTP_PORT: port(6),
        GRPC_PORT: port(7),
        MONGO_URL: `${mongo.url}${options.database}`,
        ...options.notifierEnv,
      },
    }),
  ]);
  const alertsAddress = `127.0.0.1:${port(7)}`;
  const alerts = new AlertServiceClient(
    alertsAddress,
    credentials.createInsecure(),
  );
  return {
    nats,
    mongo,
    services,
    webhookUrl: `http://127.0.0.1:${port(1)}/`,
    alerts,
    alertsAddress,
    async stop() {
      alerts.close();
      await Promise.all(services.map(s => s.stop()));
      await Promise.all([nats.stop(), mongo.stop()]);
    },
  };
}
