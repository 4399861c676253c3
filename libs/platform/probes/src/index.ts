export { startProbeServer } from './probe-server.js';

export type {
  ProbeServer,
  ProbeServerOptions,
  ReadinessCheck,
} from './probe-server.js';
