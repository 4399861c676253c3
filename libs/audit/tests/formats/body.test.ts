import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { decodeBody } from '../../src/formats/index.js';

const json = '{"kind":"Event","auditID":"a1","verb":"get"}';
const bytes = (text: string): Uint8Array => Buffer.from(text);

describe('decodeBody', () => {
  it('returns UTF-8 text as it is, without a byte order mark', () => {
    expect(decodeBody(bytes(json))).toBe(json);
    expect(
      decodeBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(json)])),
    ).toBe(json);
    expect(decodeBody(bytes(''))).toBe('');
  });

  it('gunzips a gzip body', () => {
    expect(decodeBody(gzipSync(json))).toBe(json);
  });

  it('gunzips base64 text whose bytes are gzip, one payload per line', () => {
    const one = gzipSync(json).toString('base64');
    expect(decodeBody(bytes(`${one}\n`))).toBe(json);
    const two = gzipSync('{"b":2}').toString('base64');
    expect(decodeBody(bytes(`${one}\n${two}\n`))).toBe(`${json}\n{"b":2}`);
    // One payload wrapped over several lines, as MIME base64 is.
    const wrapped = one.replace(/(.{20})/g, '$1\n');
    expect(decodeBody(bytes(wrapped))).toBe(json);
  });

  it('leaves base64 that is not gzip alone', () => {
    const text = Buffer.from(json).toString('base64');
    expect(decodeBody(bytes(text))).toBe(text);
  });

  it('rejects corrupt gzip and invalid UTF-8 as NOT_JSON', () => {
    const gz = gzipSync(json);
    expect(decodeBody(gz.subarray(0, 12))).toMatchObject({
      reason: 'NOT_JSON',
      detail: expect.stringMatching(
        /^body starts like gzip \(1f 8b\) but does not decompress: /,
      ) as unknown,
    });
    expect(
      decodeBody(bytes(gz.subarray(0, 15).toString('base64'))),
    ).toMatchObject({
      reason: 'NOT_JSON',
      detail: expect.stringMatching(/^base64 body starts like gzip/) as unknown,
    });
    expect(decodeBody(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]))).toEqual({
      reason: 'NOT_JSON',
      detail: 'body is not valid UTF-8 text',
    });
  });
});
