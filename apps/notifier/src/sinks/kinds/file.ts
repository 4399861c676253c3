import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

import { z } from 'zod';

import { ENCODERS, payloadText } from '../../encodings/index.js';
import { bool, commonFields, encoding, text } from '../config-fields.js';
import { encodeContext, type ResolvedDeps } from '../deps.js';
import { ioError } from '../errors.js';
import { createRouteFilter } from '../routing.js';
import { serialized } from '../send-each.js';
import type { Sink } from '../sink.js';

/** `kind: file` — JSON lines appended to a file. */
export const fileSchema = z.strictObject({
  ...commonFields,
  kind: z.literal('file'),
  path: text(),
  encoding: encoding('json'),
  /** fsync after each batch, so a delivered batch survives a crash of the machine. */
  fsync: bool().default(true),
});

/** A validated file sink configuration. */
export type FileSinkConfig = z.infer<typeof fileSchema>;

/**
 * Appends one line per notification (creating the file and its directory).
 * A batch is one write, followed by fdatasync unless `fsync: false`;
 * `send` resolves after both.
 */
export function createFileSink(
  config: FileSinkConfig,
  deps: ResolvedDeps,
): Sink {
  const encoder = ENCODERS[config.encoding];
  let handle: Promise<FileHandle> | undefined;

  const file = (): Promise<FileHandle> => {
    if (!handle) {
      const opening = mkdir(dirname(config.path), { recursive: true }).then(
        () => open(config.path, 'a'),
      );
      // A failed open is tried again on the next batch.
      opening.catch(() => {
        if (handle === opening) {
          handle = undefined;
        }
      });
      handle = opening;
    }
    return handle;
  };

  return {
    id: config.id,
    kind: config.kind,
    accepts: createRouteFilter(config),
    send: serialized(async batch => {
      if (batch.length === 0) {
        return;
      }
      const context = encodeContext(deps);
      const lines = batch
        .map(n => `${payloadText(encoder.encode(n, context))}\n`)
        .join('');
      try {
        const fh = await file();
        await fh.appendFile(lines);
        if (config.fsync) {
          await fh.datasync();
        }
      } catch (error) {
        throw ioError(config.id, error);
      }
    }),
    async close() {
      const current = handle;
      handle = undefined;
      if (current) {
        await (await current).close();
      }
    },
  };
}
