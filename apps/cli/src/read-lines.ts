import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Opens a file (or stdin for `-`) as text, gunzipping it when it starts with
 * the gzip magic bytes, whatever its name.
 */
export async function openText(path: string): Promise<Readable> {
  const raw: Readable = path === '-' ? process.stdin : createReadStream(path);
  const head = await firstBytes(raw);
  const replay = new PassThrough();
  replay.write(head);
  raw.pipe(replay);
  raw.once('error', err => replay.destroy(err));
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
    const gunzip = createGunzip();
    replay.once('error', err => gunzip.destroy(err));
    return replay.pipe(gunzip);
  }
  return replay;
}

/** Lines of a text stream with their 1-based numbers. */
export async function* numberedLines(
  stream: Readable,
): AsyncGenerator<{ line: number; text: string }> {
  let line = 0;
  for await (const text of createInterface({
    input: stream,
    crlfDelay: Infinity,
  })) {
    line += 1;
    yield { line, text };
  }
}

function firstBytes(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onReadable = (): void => {
      const chunk = stream.read() as Buffer | null;
      if (chunk !== null) {
        cleanup();
        resolve(chunk);
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.alloc(0));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}
