import type { Metrics } from '@kubeguard/metrics';
import { Counter, Histogram } from 'prom-client';

/** What happened to a consumed message. */
export type MessageOutcome = 'ack' | 'retry' | 'reject';

/** Instruments the bus updates; absent when the service takes no metrics. */
export interface BusMetrics {
  messages: Counter<'stream' | 'outcome'>;
  handleSeconds: Histogram<'stream'>;
  deadLetters: Counter<'reason'>;
}

/** Registers the bus instruments in the service's registry. */
export function createBusMetrics(metrics: Metrics): BusMetrics {
  const registers = [metrics.registry];
  return {
    messages: new Counter({
      name: `${metrics.prefix}messages_total`,
      help: 'Consumed messages by stream and outcome (ack, retry, reject)',
      labelNames: ['stream', 'outcome'],
      registers,
    }),
    handleSeconds: new Histogram({
      name: `${metrics.prefix}message_handle_seconds`,
      help: 'Time to handle one consumed message',
      labelNames: ['stream'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      registers,
    }),
    deadLetters: new Counter({
      name: `${metrics.prefix}dead_letters_total`,
      help: 'Messages or records sent to the dead-letter stream, by reason',
      labelNames: ['reason'],
      registers,
    }),
  };
}
