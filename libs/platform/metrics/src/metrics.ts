import { Registry, collectDefaultMetrics } from 'prom-client';

/** A Prometheus registry for one service, with Node's process metrics. */
export interface Metrics {
  readonly registry: Registry;
  /** The metric name prefix for this service: `kubeguard_<service>_`. */
  readonly prefix: string;
}

/**
 * Creates the service's registry. Metric names follow
 * `kubeguard_<service>_<name>_<unit>`; labels come from small closed sets.
 */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  const prefix = `kubeguard_${service}_`;
  collectDefaultMetrics({ register: registry, prefix });
  return { registry, prefix };
}
