import { connectBus } from '@kubeguard/bus';
import { RawBatch } from '@kubeguard/contracts';
import { errorMessage } from '@kubeguard/errors';
import { createLifecycle } from '@kubeguard/lifecycle';
import { createLogger } from '@kubeguard/log';
import { Counter, createMetrics } from '@kubeguard/metrics';
import { startProbeServer } from '@kubeguard/probes';

import { loadConfig } from './config.js';
import { createRawHandler } from './raw-handler.js';

/** Starts the normalizer; resolves with the exit code once it has stopped. */
async function main(): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ service: 'normalizer', level: config.LOG_LEVEL });
  const life = createLifecycle({ log, forceMs: config.SHUTDOWN_FORCE_MS });
  const metrics = createMetrics('normalizer');

  const bus = await connectBus({
    url: config.NATS_URL,
    service: 'normalizer',
    log: log.child({ component: 'bus' }),
    metrics,
    streams: ['AUDIT_RAW', 'AUDIT_EVENTS', 'DEAD_LETTER'],
  });
  life.onStop('bus', () => bus.close());

  const probes = await startProbeServer({
    host: config.LISTEN_HOST,
    port: config.HTTP_PORT,
    registry: metrics.registry,
    checks: {
      nats: () => bus.isConnected(),
      running: () => !life.isStopping(),
    },
    log,
  });
  life.onStop('probes', () => probes.close());

  const records = new Counter({
    name: 'kubeguard_normalizer_records_total',
    help: 'Audit records by outcome (normalized, rejected, skipped) and rejection reason',
    labelNames: ['outcome', 'reason'],
    registers: [metrics.registry],
  });
  const consumer = await bus.consume({
    stream: 'AUDIT_RAW',
    durable: 'normalizer',
    codec: RawBatch,
    handler: createRawHandler(bus, config.PARTITIONS, records),
  });
  life.onStop('consumer', () => consumer.stop());

  log.info('ready', { httpPort: probes.port, partitions: config.PARTITIONS });
  return life.stopped;
}

main().then(
  code => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`normalizer: cannot start: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
