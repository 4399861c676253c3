import { gunzip } from 'node:zlib';

/** True when `data` starts with the gzip magic bytes 1f 8b. */
export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** Why a gzip body could not be decompressed. */
export class GunzipError extends Error {
  constructor(
    /** `too_large`: the output exceeds the limit; `invalid`: not gzip. */
    readonly kind: 'too_large' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Decompresses a gzip body (one member or several), refusing output over
 * `limit` bytes without producing more than that: a zip bomb costs at most
 * `limit` bytes of memory.
 * @throws GunzipError
 */
export function gunzipLimited(
  data: Uint8Array,
  limit: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(data, { maxOutputLength: limit }, (err, result) => {
      if (err === null) {
        resolve(result);
      } else if (
        (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
      ) {
        reject(
          new GunzipError(
            'too_large',
            `decompressed body exceeds MAX_BATCH_BYTES (${String(limit)} bytes)`,
          ),
        );
      } else {
        reject(
          new GunzipError('invalid', `body is not valid gzip: ${err.message}`),
        );
      }
    });
  });
}
