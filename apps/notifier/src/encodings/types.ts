import type { Notification } from '../sinks/sink.js';

/** What an encoder may need besides the notification; passed in so encoders stay pure. */
export interface EncodeContext {
  /** When the payload is made; used only where the alert has no time of its own. */
  now: Date;
  /** Kubeguard's version, stamped as the product version (CEF header, OCSF metadata). */
  productVersion: string;
  /** CloudEvents `source` (a URI-reference), e.g. `/kubeguard/notifier`. */
  source: string;
}

/** A payload: a JSON value, or a line of text (CEF). */
export type Payload =
  | { readonly format: 'json'; readonly value: Record<string, unknown> }
  | { readonly format: 'text'; readonly value: string };

/** One way to write a notification down: native JSON, OCSF, ECS, CEF or CloudEvents. */
export interface Encoder {
  readonly name: EncodingName;
  /** Media type of the serialized payload, for an HTTP Content-Type. */
  readonly mediaType: string;
  encode(notification: Notification, context: EncodeContext): Payload;
}

/** The encodings a sink can choose. */
export const ENCODING_NAMES = [
  'json',
  'ocsf',
  'ecs',
  'cef',
  'cloudevents',
] as const;

/** One of {@link ENCODING_NAMES}. */
export type EncodingName = (typeof ENCODING_NAMES)[number];
