/**
 * The encode/decode pair of a protobuf message, as ts-proto generates it.
 * The bus needs nothing else from a message type.
 */
export interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}
