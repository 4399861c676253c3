import { Counter, Gauge, Histogram, type Metrics } from '@kubeguard/metrics';

/** The delivery loops' metrics. */
export interface DeliveryMetrics {
  /**
   * `kubeguard_notifier_deliveries_total{sink,result}`: notifications, by how
   * their attempt ended: delivered, retry, dead, or folded (a digest sent a
   * later notification of the same alert instead).
   */
  deliveries: Counter<'sink' | 'result'>;
  /** `kubeguard_notifier_outbox_pending{sink}`: notifications waiting for delivery. */
  pending: Gauge<'sink'>;
  /** `kubeguard_notifier_outbox_dead{sink}`: dead letters waiting for a replay. */
  dead: Gauge<'sink'>;
  /** `kubeguard_notifier_delivery_seconds{sink}`: time of one `send` of a batch. */
  sendSeconds: Histogram<'sink'>;
}

/** Registers the delivery metrics in the service's registry. */
export function createDeliveryMetrics(metrics: Metrics): DeliveryMetrics {
  const registers = [metrics.registry];
  return {
    deliveries: new Counter({
      name: `${metrics.prefix}deliveries_total`,
      help: 'Notification delivery attempts, by sink and result (delivered, retry, dead, folded)',
      labelNames: ['sink', 'result'],
      registers,
    }),
    pending: new Gauge({
      name: `${metrics.prefix}outbox_pending`,
      help: 'Notifications in the outbox waiting for delivery, by sink',
      labelNames: ['sink'],
      registers,
    }),
    dead: new Gauge({
      name: `${metrics.prefix}outbox_dead`,
      help: 'Dead-letter notifications waiting for a replay, by sink',
      labelNames: ['sink'],
      registers,
    }),
    sendSeconds: new Histogram({
      name: `${metrics.prefix}delivery_seconds`,
      help: 'Duration of one send of a batch to a sink',
      labelNames: ['sink'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
