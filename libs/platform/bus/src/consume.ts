import { Streams, type StreamName } from '@kubeguard/contracts';
import { errorCode, errorMessage, isRetryable } from '@kubeguard/errors';
import type { Logger } from '@kubeguard/log';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

import { redeliveryDelayMs } from './backoff.js';
import type { DeadLetterInput } from './bus.js';
import type { BusMetrics, MessageOutcome } from './bus-metrics.js';
import type { Codec } from './codec.js';

/** Facts about a delivered message, for handlers that need them. */
export interface MessageMeta {
  subject: string;
  headers: Record<string, string>;
  /** 1 on first delivery. */
  deliveryCount: number;
  streamSeq: number;
}

/**
 * Options of a durable pull consumer. The handler's result decides the ack:
 * it returns → ack; it throws a retryable error (or one we did not raise) →
 * nak with backoff; it throws a non-retryable `AppError`, the message does not
 * decode, or the delivery count reaches `maxDeliver` → dead letter, then term.
 */
export interface ConsumeOptions<T> {
  stream: StreamName;
  /** The durable name; replicas sharing it share the work. */
  durable: string;
  /** Only messages on this subject (wildcards allowed). */
  filterSubject?: string;
  codec: Codec<T>;
  handler: (message: T, meta: MessageMeta) => Promise<void>;
  /** @default 10 */
  maxDeliver?: number;
  /** Messages handled at once. @default 1 */
  concurrency?: number;
  /**
   * Messages pulled ahead of the handler. Batches are large, so keep this
   * small: it bounds queued work, not throughput.
   * @default 8
   */
  prefetch?: number;
  /** @default 500 */
  backoffBaseMs?: number;
  /** @default 30000 */
  backoffMaxMs?: number;
  /** Time the server waits for an ack before redelivering. @default 60000 */
  ackWaitMs?: number;
}

/** A running consumer. */
export interface RunningConsumer {
  /** Stops pulling, waits for in-flight handlers to finish. */
  stop(): Promise<void>;
}

interface ConsumerDeps {
  log: Logger;
  metrics: BusMetrics | undefined;
  deadLetter: (input: DeadLetterInput) => Promise<void>;
}

/** Creates or updates the durable consumer and starts its loop. */
export async function startConsumer<T>(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: ConsumeOptions<T>,
  deps: ConsumerDeps,
): Promise<RunningConsumer> {
  const streamName = Streams[options.stream].name;
  await ensureConsumer(jsm, streamName, options);
  const consumer = await js.consumers.get(streamName, options.durable);
  const messages = await consumer.consume({
    max_messages: options.prefetch ?? 8,
  });
  const concurrency = options.concurrency ?? 1;
  const inflight = new Set<Promise<void>>();

  const loop = (async () => {
    try {
      for await (const msg of messages) {
        const work = handleMessage(msg, options, deps).finally(() =>
          inflight.delete(work),
        );
        inflight.add(work);
        if (inflight.size >= concurrency) {
          await Promise.race(inflight);
        }
      }
    } catch (err) {
      deps.log.error('consumer loop ended', { err });
    }
  })();

  return {
    async stop() {
      messages.stop();
      await loop;
      await Promise.all(inflight);
    },
  };
}

async function ensureConsumer<T>(
  jsm: JetStreamManager,
  stream: string,
  options: ConsumeOptions<T>,
): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(options.ackWaitMs ?? 60_000),
    // Unlimited on the server: the loop itself dead-letters at maxDeliver, so
    // a message is never silently abandoned.
    max_deliver: -1,
    ...(options.filterSubject === undefined
      ? {}
      : { filter_subject: options.filterSubject }),
  };
  try {
    await jsm.consumers.info(stream, options.durable);
    await jsm.consumers.update(stream, options.durable, config);
  } catch (err) {
    if (!(
      err instanceof JetStreamApiError &&
      err.code === JetStreamApiCodes.ConsumerNotFound
    )) {
      throw err;
    }
    await jsm.consumers.add(stream, {
      ...config,
      durable_name: options.durable,
      deliver_policy: DeliverPolicy.All,
    });
  }
}

async function handleMessage<T>(
  msg: JsMsg,
  options: ConsumeOptions<T>,
  deps: ConsumerDeps,
): Promise<void> {
  const started = process.hrtime.bigint();
  const outcome = await settle(msg, options, deps);
  deps.metrics?.messages.inc({ stream: options.stream, outcome });
  deps.metrics?.handleSeconds.observe(
    { stream: options.stream },
    Number(process.hrtime.bigint() - started) / 1e9,
  );
}

async function settle<T>(
  msg: JsMsg,
  options: ConsumeOptions<T>,
  deps: ConsumerDeps,
): Promise<MessageOutcome> {
  const meta: MessageMeta = {
    subject: msg.subject,
    headers: headersOf(msg),
    deliveryCount: msg.info.deliveryCount,
    streamSeq: msg.info.streamSequence,
  };
  let decoded: T;
  try {
    decoded = options.codec.decode(msg.data);
  } catch (err) {
    return reject(
      msg,
      meta,
      'DECODE_FAILED',
      `message does not decode: ${errorMessage(err)}`,
      options,
      deps,
    );
  }
  try {
    await options.handler(decoded, meta);
    msg.ack();
    return 'ack';
  } catch (err) {
    const maxDeliver = options.maxDeliver ?? 10;
    if (!isRetryable(err) || meta.deliveryCount >= maxDeliver) {
      const reason = errorCode(err) ?? 'HANDLER_FAILED';
      const detail = isRetryable(err)
        ? `gave up after ${String(meta.deliveryCount)} deliveries: ${errorMessage(err)}`
        : errorMessage(err);
      return reject(msg, meta, reason, detail, options, deps);
    }
    deps.log.warn('handler failed, will retry', {
      subject: meta.subject,
      deliveryCount: meta.deliveryCount,
      err: errorMessage(err),
    });
    msg.nak(delayFor(meta.deliveryCount, options));
    return 'retry';
  }
}

async function reject<T>(
  msg: JsMsg,
  meta: MessageMeta,
  reason: string,
  detail: string,
  options: ConsumeOptions<T>,
  deps: ConsumerDeps,
): Promise<MessageOutcome> {
  try {
    await deps.deadLetter({
      reason,
      detail,
      subject: meta.subject,
      data: msg.data,
      headers: meta.headers,
      deliveryCount: meta.deliveryCount,
      msgId: `${options.stream}:${options.durable}:${String(meta.streamSeq)}`,
    });
  } catch (err) {
    // The record is not stored yet: keep the message and try again later.
    deps.log.error('dead-lettering failed, will retry', {
      subject: meta.subject,
      err,
    });
    msg.nak(delayFor(meta.deliveryCount, options));
    return 'retry';
  }
  msg.term(reason);
  return 'reject';
}

function delayFor<T>(
  deliveryCount: number,
  options: ConsumeOptions<T>,
): number {
  return redeliveryDelayMs(
    deliveryCount,
    options.backoffBaseMs ?? 500,
    options.backoffMaxMs ?? 30_000,
  );
}

function headersOf(msg: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  if (msg.headers) {
    for (const key of msg.headers.keys()) {
      out[key] = msg.headers.get(key);
    }
  }
  return out;
}
