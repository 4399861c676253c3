import {
  DeadLetter,
  deadLetterSubject,
  type StreamName,
} from '@kubeguard/contracts';
import { UnavailableError, errorMessage } from '@kubeguard/errors';
import type { Logger } from '@kubeguard/log';
import type { Metrics } from '@kubeguard/metrics';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import {
  connect,
  headers as natsHeaders,
  type NatsConnection,
} from '@nats-io/transport-node';

import { createBusMetrics } from './bus-metrics.js';
import type { Codec } from './codec.js';
import {
  startConsumer,
  type ConsumeOptions,
  type RunningConsumer,
} from './consume.js';
import {
  openKeyValue,
  type KeyValue,
  type KeyValueOptions,
} from './key-value.js';
import { ensureStreams, type StreamOptions } from './streams.js';

/** Options for {@link connectBus}. */
export interface BusOptions {
  /** e.g. `nats://127.0.0.1:4222`; several comma-separated for a cluster. */
  url: string;
  /** The service name: the connection name and the dead-letter subject's token. */
  service: string;
  log: Logger;
  metrics?: Metrics;
  /** Streams to create or update at connect time. */
  streams?: readonly StreamName[];
  streamOptions?: StreamOptions;
}

/** What a publish stored. */
export interface PublishResult {
  seq: number;
  /** True when JetStream already had a message with the same id. */
  duplicate: boolean;
}

/** Options of one publish. */
export interface PublishOptions {
  /** De-duplication id: a repeat within the stream's window is dropped. */
  msgId?: string;
  headers?: Record<string, string>;
}

/** A record of input that could not be processed. */
export interface DeadLetterInput {
  reason: string;
  detail: string;
  subject: string;
  data: Uint8Array;
  headers?: Record<string, string>;
  deliveryCount?: number;
  /** De-duplication id, so a retried dead-lettering is stored once. */
  msgId?: string;
}

/** The service's connection to NATS JetStream. */
export interface Bus {
  /** Encodes and publishes a message; resolves once JetStream stored it. */
  publish<T>(
    subject: string,
    codec: Codec<T>,
    message: T,
    options?: PublishOptions,
  ): Promise<PublishResult>;
  /** Publishes bytes as they are; resolves once JetStream stored them. */
  publishBytes(
    subject: string,
    data: Uint8Array,
    options?: PublishOptions,
  ): Promise<PublishResult>;
  /** Stores a dead-letter record under `dlq.<service>.<reason>`. */
  deadLetter(input: DeadLetterInput): Promise<void>;
  /** Starts a durable pull consumer; see {@link ConsumeOptions} for the ack rules. */
  consume<T>(options: ConsumeOptions<T>): Promise<RunningConsumer>;
  /**
   * A JetStream key-value bucket, created (or opened) on its first use; the
   * same handle for the same name. `options` apply when it is created.
   */
  keyValue(bucket: string, options?: KeyValueOptions): KeyValue;
  /** False while the connection is down. */
  isConnected(): boolean;
  /** The largest message the server accepts, in bytes. */
  maxPayload(): number;
  /** Stops every consumer (waiting for in-flight handlers), then drains the connection. */
  close(): Promise<void>;
}

/**
 * Connects to NATS, creates or updates the streams, and returns the bus.
 * @throws UnavailableError when the server cannot be reached
 */
export async function connectBus(options: BusOptions): Promise<Bus> {
  const { log, service } = options;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.url.split(','),
      name: service,
      // Measured: async stack traces cost ~40 % of publish CPU.
      noAsyncTraces: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
    });
  } catch (err) {
    throw new UnavailableError(
      `NATS_URL: cannot connect to '${options.url}': ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  let connected = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        log.warn('nats disconnected');
      } else if (status.type === 'reconnect') {
        connected = true;
        log.info('nats reconnected');
      }
    }
  })();

  const jsm: JetStreamManager = await jetstreamManager(nc);
  await ensureStreams(jsm, options.streams ?? [], options.streamOptions);
  const js: JetStreamClient = jetstream(nc);
  const consumers: RunningConsumer[] = [];
  const buckets = new Map<string, KeyValue>();
  const metrics = options.metrics
    ? createBusMetrics(options.metrics)
    : undefined;

  async function publishBytes(
    subject: string,
    data: Uint8Array,
    publishOptions: PublishOptions = {},
  ): Promise<PublishResult> {
    if (!connected) {
      // Fail at once: a caller such as the webhook should tell its sender to
      // retry now rather than after the publish timeout.
      throw new UnavailableError(
        `publish to '${subject}' failed: not connected to NATS`,
      );
    }
    const hdrs = publishOptions.headers
      ? toNatsHeaders(publishOptions.headers)
      : undefined;
    try {
      const ack = await js.publish(subject, data, {
        ...(publishOptions.msgId === undefined
          ? {}
          : { msgID: publishOptions.msgId }),
        ...(hdrs === undefined ? {} : { headers: hdrs }),
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      throw new UnavailableError(
        `publish to '${subject}' was not acknowledged: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  const bus: Bus = {
    publish: (subject, codec, message, publishOptions) =>
      publishBytes(subject, codec.encode(message).finish(), publishOptions),
    publishBytes,
    async deadLetter(input) {
      const record = DeadLetter.create({
        service,
        reason: input.reason,
        detail: input.detail,
        originalSubject: input.subject,
        originalData: Buffer.from(
          input.data.buffer,
          input.data.byteOffset,
          input.data.byteLength,
        ),
        originalHeaders: input.headers ?? {},
        deliveryCount: input.deliveryCount ?? 0,
        failedAt: new Date(),
      });
      await publishBytes(
        deadLetterSubject(service, input.reason),
        DeadLetter.encode(record).finish(),
        input.msgId === undefined ? {} : { msgId: input.msgId },
      );
      metrics?.deadLetters.inc({ reason: input.reason });
      log.warn('dead-lettered', {
        reason: input.reason,
        subject: input.subject,
        detail: input.detail,
      });
    },
    async consume(consumeOptions) {
      const running = await startConsumer(js, jsm, consumeOptions, {
        log: log.child({
          component: 'consumer',
          durable: consumeOptions.durable,
        }),
        metrics,
        deadLetter: input => bus.deadLetter(input),
      });
      consumers.push(running);
      return running;
    },
    keyValue(bucket, kvOptions) {
      let kv = buckets.get(bucket);
      if (kv === undefined) {
        kv = openKeyValue(js, bucket, () => bus.isConnected(), {
          replicas: options.streamOptions?.replicas ?? 1,
          ...kvOptions,
        });
        buckets.set(bucket, kv);
      }
      return kv;
    },
    isConnected: () => connected && !nc.isClosed(),
    // 1 MiB is the server's default when it has not told us yet.
    maxPayload: () => nc.info?.max_payload ?? 1024 * 1024,
    async close() {
      await Promise.all(consumers.map(c => c.stop()));
      if (nc.isClosed()) {
        return;
      }
      try {
        await nc.drain();
      } catch (err) {
        // Draining needs the server; without it there is nothing left to flush.
        log.warn('nats drain failed, closing', { err: errorMessage(err) });
        await nc.close();
      }
    },
  };
  return bus;
}

function toNatsHeaders(
  values: Record<string, string>,
): ReturnType<typeof natsHeaders> {
  const h = natsHeaders();
  for (const [key, value] of Object.entries(values)) {
    h.set(key, value);
  }
  return h;
}
