import { z } from 'zod';

import { ENCODERS, payloadText } from '../../encodings/index.js';
import { commonFields, encoding } from '../config-fields.js';
import { encodeContext, type ResolvedDeps } from '../deps.js';
import { ioError } from '../errors.js';
import { createRouteFilter } from '../routing.js';
import type { Sink } from '../sink.js';

/** `kind: stdout` — one line per notification on standard output. */
export const stdoutSchema = z.strictObject({
  ...commonFields,
  kind: z.literal('stdout'),
  encoding: encoding('json'),
});

/** A validated stdout sink configuration. */
export type StdoutSinkConfig = z.infer<typeof stdoutSchema>;

/** Writes JSON lines (or CEF lines) to stdout; resolves once the write is flushed to the stream. */
export function createStdoutSink(
  config: StdoutSinkConfig,
  deps: ResolvedDeps,
): Sink {
  const encoder = ENCODERS[config.encoding];
  return {
    id: config.id,
    kind: config.kind,
    accepts: createRouteFilter(config),
    async send(batch) {
      if (batch.length === 0) {
        return;
      }
      const context = encodeContext(deps);
      const text = batch
        .map(n => `${payloadText(encoder.encode(n, context))}\n`)
        .join('');
      await new Promise<void>((resolve, reject) => {
        deps.stdout.write(text, error => {
          if (error) {
            reject(ioError(config.id, error));
          } else {
            resolve();
          }
        });
      });
    },
    close: () => Promise.resolve(),
  };
}
