import type {
  handleServerStreamingCall,
  handleUnaryCall,
  ServerUnaryCall,
  ServerWritableStream,
} from '@grpc/grpc-js';
import type { Logger } from '@kubeguard/log';

import { isInternal, toServiceError } from './status.js';

/**
 * Adapts a function to a grpc-js unary handler: the callback is called
 * exactly once, and errors (thrown or rejected) go through
 * {@link toServiceError}.
 */
export function unary<Req, Res>(
  log: Logger,
  fn: (request: Req, call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request, call))
      .then(
        response => {
          callback(null, response);
        },
        (err: unknown) => {
          if (isInternal(err)) {
            log.error('grpc call failed', { path: call.getPath(), err });
          }
          callback(toServiceError(err));
        },
      );
  };
}

/**
 * Adapts an async function that writes to a server stream: the stream ends
 * when the function returns, or with a mapped status when it throws.
 */
export function serverStreaming<Req, Res>(
  log: Logger,
  fn: (request: Req, call: ServerWritableStream<Req, Res>) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return call => {
    fn(call.request, call).then(
      () => {
        call.end();
      },
      (err: unknown) => {
        if (call.cancelled) {
          return;
        }
        if (isInternal(err)) {
          log.error('grpc stream failed', { path: call.getPath(), err });
        }
        // grpc-js turns an 'error' event into the call's status; destroy()
        // would close the stream without one and leave the client waiting.
        const status = toServiceError(err);
        call.emit('error', Object.assign(new Error(status.details), status));
      },
    );
  };
}
