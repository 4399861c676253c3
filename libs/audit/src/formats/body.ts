import { Buffer } from 'node:buffer';
import { gunzipSync } from 'node:zlib';

import { reject, type Rejection } from '../rejection.js';

// A decompressed body larger than this is refused rather than held in memory.
const MAX_DECODED_BYTES = 256 * 1024 * 1024;
// Base64 of the gzip magic and deflate method (1f 8b 08).
const BASE64_GZIP_START = 'H4sI';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decodes a raw body before JSON parsing: gzip → text; base64 text whose bytes
 * are gzip (CloudWatch Logs subscription data as Kinesis, Firehose or Lambda
 * deliver it; one payload per line when several) → text, one payload a line;
 * anything else → its UTF-8 text. Corrupt gzip or invalid UTF-8 is rejected.
 */
export function decodeBody(body: Uint8Array): string | Rejection {
  if (isGzip(body)) {
    return gunzipText(body, 'body');
  }
  const text = utf8(body, 'body');
  if (typeof text !== 'string') {
    return text;
  }
  const trimmed = text.trim();
  if (!trimmed.startsWith(BASE64_GZIP_START)) {
    return text;
  }
  const lines = trimmed.split(/\r?\n/);
  // Several payloads, one per line, or one payload wrapped over many lines.
  const chunks = lines.every(line => line.trim().startsWith(BASE64_GZIP_START))
    ? lines.map(line => line.trim())
    : [trimmed.replace(/\s+/g, '')];
  if (!chunks.every(chunk => BASE64.test(chunk))) {
    return text;
  }
  const decoded: string[] = [];
  for (const [index, chunk] of chunks.entries()) {
    const bytes = Buffer.from(chunk, 'base64');
    if (!isGzip(bytes)) {
      return text;
    }
    const where =
      chunks.length === 1
        ? 'base64 body'
        : `base64 body line ${String(index + 1)}`;
    const result = gunzipText(bytes, where);
    if (typeof result !== 'string') {
      return result;
    }
    decoded.push(result.trim());
  }
  return decoded.join('\n');
}

/** Gunzips base64 text (Lambda's `awslogs.data`) into UTF-8 text. */
export function gunzipBase64(data: string, field: string): string | Rejection {
  const bytes = Buffer.from(data.replace(/\s+/g, ''), 'base64');
  if (!isGzip(bytes)) {
    return reject('NOT_JSON', `${field}: expected base64 of gzip data`);
  }
  return gunzipText(bytes, field);
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzipText(bytes: Uint8Array, field: string): string | Rejection {
  let inflated: Buffer;
  try {
    inflated = gunzipSync(bytes, { maxOutputLength: MAX_DECODED_BYTES });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return reject(
      'NOT_JSON',
      `${field} starts like gzip (1f 8b) but does not decompress: ${why}`,
    );
  }
  return utf8(inflated, `${field} (gunzipped)`);
}

function utf8(bytes: Uint8Array, field: string): string | Rejection {
  try {
    // fatal: a mangled byte is an error, not a silent U+FFFD; a BOM is dropped.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return reject('NOT_JSON', `${field} is not valid UTF-8 text`);
  }
}
