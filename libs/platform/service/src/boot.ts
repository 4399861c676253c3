import { connectBus, type Bus } from '@kubeguard/bus';
import type { StreamName } from '@kubeguard/contracts';
import { createLifecycle, type Lifecycle } from '@kubeguard/lifecycle';
import { createLogger, type Logger } from '@kubeguard/log';
import { createMetrics, type Metrics } from '@kubeguard/metrics';
import { startProbeServer, type ReadinessCheck } from '@kubeguard/probes';

/** The settings every service has (see `serviceEnv` in `@kubeguard/config`). */
export interface BaseConfig {
  NATS_URL: string;
  LOG_LEVEL: string;
  LISTEN_HOST: string;
  HTTP_PORT: number;
  SHUTDOWN_FORCE_MS: number;
}

/** What every service starts with. */
export interface ServiceBase {
  log: Logger;
  life: Lifecycle;
  metrics: Metrics;
  bus: Bus;
  /** Readiness checks served on `/readyz`; add the service's own dependencies. */
  checks: Record<string, ReadinessCheck>;
  /** Port of the probe server. */
  httpPort: number;
}

/**
 * Starts the parts every service shares, in dependency order: logger,
 * lifecycle, metrics, the bus (streams created or updated), and the probe
 * server. Stops run in reverse, so what the service adds later stops first.
 */
export async function bootService(options: {
  service: string;
  config: BaseConfig;
  streams: readonly StreamName[];
}): Promise<ServiceBase> {
  const { service, config } = options;
  const log = createLogger({ service, level: config.LOG_LEVEL });
  const life = createLifecycle({ log, forceMs: config.SHUTDOWN_FORCE_MS });
  const metrics = createMetrics(service);
  const bus = await connectBus({
    url: config.NATS_URL,
    service,
    log: log.child({ component: 'bus' }),
    metrics,
    streams: options.streams,
  });
  life.onStop('bus', () => bus.close());
  const checks: Record<string, ReadinessCheck> = {
    nats: () => bus.isConnected(),
    running: () => !life.isStopping(),
  };
  const probes = await startProbeServer({
    host: config.LISTEN_HOST,
    port: config.HTTP_PORT,
    registry: metrics.registry,
    checks,
    log,
  });
  life.onStop('probes', () => probes.close());
  return { log, life, metrics, bus, checks, httpPort: probes.port };
}
