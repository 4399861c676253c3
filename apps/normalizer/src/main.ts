import { RawBatch } from '@kubeguard/contracts';
import { Counter } from '@kubeguard/metrics';
import { bootService, runMain } from '@kubeguard/service';

import { loadConfig } from './config.js';
import { createRawHandler } from './raw-handler.js';
import { createRecentEvents } from './recent-events.js';

runMain('normalizer', async () => {
  const config = loadConfig();
  const { log, life, metrics, bus, httpPort } = await bootService({
    service: 'normalizer',
    config,
    streams: ['AUDIT_RAW', 'AUDIT_EVENTS', 'DEAD_LETTER'],
  });

  const records = new Counter({
    name: 'kubeguard_normalizer_records_total',
    help: "Audit records by outcome (normalized, rejected, skipped; copied: bindings also sent to their subjects' partitions) and rejection reason",
    labelNames: ['outcome', 'reason'],
    registers: [metrics.registry],
  });
  const consumer = await bus.consume({
    stream: 'AUDIT_RAW',
    durable: 'normalizer',
    codec: RawBatch,
    handler: createRawHandler({
      bus,
      partitions: config.PARTITIONS,
      recent: createRecentEvents({
        ttlMs: config.DEDUP_WINDOW_MS,
        maxEntries: config.DEDUP_MAX_EVENTS,
      }),
      records,
    }),
  });
  life.onStop('consumer', () => consumer.stop());

  log.info('ready', { httpPort, partitions: config.PARTITIONS });
  return life.stopped;
});
