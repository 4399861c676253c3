import { Metadata, type CallOptions, type ServiceError } from '@grpc/grpc-js';

/**
 * A unary method of a generated client, by its fullest overload: the one
 * TypeScript infers request and response types from.
 */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, response: Res) => void,
) => unknown;

/**
 * Calls a unary method of `client` and resolves with the response, or
 * rejects with the `ServiceError` (its `code` and `details` intact).
 */
export function callUnary<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata = new Metadata(),
  options: Partial<CallOptions> = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, options, (err, response) => {
      if (err) {
        reject(err);
      } else {
        resolve(response);
      }
    });
  });
}
