import type { EncodeContext } from '../../src/encodings/index.js';

/** A fixed encoding context. */
export const CONTEXT: EncodeContext = {
  now: new Date('2025-03-01T12:00:00.000Z'),
  productVersion: '9.9.9',
  source: '/kubeguard/test',
};
