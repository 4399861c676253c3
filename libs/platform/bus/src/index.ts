export { redeliveryDelayMs } from './backoff.js';
export { connectBus } from './bus.js';

export type {
  Bus,
  BusOptions,
  DeadLetterInput,
  PublishOptions,
  PublishResult,
} from './bus.js';
export type { Codec } from './codec.js';
export type {
  ConsumeOptions,
  MessageMeta,
  RunningConsumer,
} from './consume.js';
export type { KeyValue, KeyValueOptions } from './key-value.js';
export type { StreamOptions } from './streams.js';
