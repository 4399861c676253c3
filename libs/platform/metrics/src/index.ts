export { createMetrics } from './metrics.js';

export type { Metrics } from './metrics.js';
export { Counter, Gauge, Histogram } from 'prom-client';
