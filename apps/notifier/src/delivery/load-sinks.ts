import type { Logger } from '@kubeguard/log';

import {
  createSinks,
  loadSinksConfig,
  type ConfiguredSink,
} from '../sinks/index.js';

/**
 * The sinks of the sinks file, ready for delivery; none without a file
 * (alerts are then only stored).
 * @throws SinkConfigError naming the file, the sink and the field
 */
export async function loadSinks(
  file: string | undefined,
  log: Logger,
): Promise<ConfiguredSink[]> {
  if (file === undefined) {
    log.info('no SINKS_FILE: alerts are stored, not sent anywhere');
    return [];
  }
  const config = await loadSinksConfig(file);
  return createSinks(config, { log: log.child({ component: 'sinks' }) });
}
