/** How much of an oversized line is kept for the dead letter (at most the line limit). */
export const EXCERPT_BYTES = 64 * 1024;

/** A line found by {@link LineSplitter}; offsets are byte positions in the input. */
export type SplitItem =
  | {
      kind: 'line';
      start: number;
      /** Just past the newline (or the end of input for a last line without one). */
      end: number;
      /** The line without its newline. */
      text: Buffer;
    }
  | {
      kind: 'oversized';
      start: number;
      end: number;
      /** The line's length without its newline. */
      length: number;
      excerpt: Buffer;
    };

/**
 * Splits a byte stream into newline-terminated lines, keeping at most
 * `maxLineBytes` of a line in memory: a longer line comes out as `oversized`
 * with an excerpt.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private kept = 0;
  private oversized = false;
  private excerpt: Buffer | undefined;
  private lineStart: number;
  private position: number;

  constructor(
    private readonly maxLineBytes: number,
    startOffset = 0,
  ) {
    this.lineStart = startOffset;
    this.position = startOffset;
  }

  /** Where the line not yet complete starts: everything before it was returned. */
  get pendingStart(): number {
    return this.lineStart;
  }

  /** Adds input; returns the lines it completed. */
  push(chunk: Buffer): SplitItem[] {
    const out: SplitItem[] = [];
    let from = 0;
    while (from < chunk.length) {
      const newline = chunk.indexOf(0x0a, from);
      if (newline === -1) {
        this.append(chunk.subarray(from));
        this.position += chunk.length - from;
        break;
      }
      this.append(chunk.subarray(from, newline));
      this.position += newline + 1 - from;
      out.push(this.take(1));
      from = newline + 1;
    }
    return out;
  }

  /** The last line when the input ends without a newline, if any. */
  finish(): SplitItem | undefined {
    return this.position === this.lineStart ? undefined : this.take(0);
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) {
      return;
    }
    if (this.oversized) {
      return;
    }
    if (this.kept + piece.length > this.maxLineBytes) {
      this.oversized = true;
      this.excerpt = Buffer.concat([...this.parts, piece]).subarray(
        0,
        Math.min(EXCERPT_BYTES, this.maxLineBytes),
      );
      this.parts = [];
      this.kept = 0;
      return;
    }
    this.parts.push(piece);
    this.kept += piece.length;
  }

  /** Ends the current line at `position`; `newlineBytes` is 1 unless at end of input. */
  private take(newlineBytes: 0 | 1): SplitItem {
    const start = this.lineStart;
    const end = this.position;
    const length = end - start - newlineBytes;
    this.lineStart = end;
    if (this.oversized) {
      const excerpt = this.excerpt ?? Buffer.alloc(0);
      this.oversized = false;
      this.excerpt = undefined;
      return { kind: 'oversized', start, end, length, excerpt };
    }
    const text = Buffer.concat(this.parts, this.kept);
    this.parts = [];
    this.kept = 0;
    return { kind: 'line', start, end, text };
  }
}

/** Limits of one batch of lines. */
export interface BatchLimits {
  maxLines: number;
  maxBytes: number;
}

/**
 * Lines collected into one body of JSON lines, with the byte range of the
 * input they cover (blank and skipped lines included in the range).
 */
export class LineBatch {
  readonly lines: Buffer[] = [];
  /** Body size: the lines plus a newline each. */
  bytes = 0;
  start: number;
  end: number;
  /** When the first line was added (ms since epoch); 0 while empty. */
  firstAt = 0;

  constructor(
    private readonly limits: BatchLimits,
    start: number,
  ) {
    this.start = start;
    this.end = start;
  }

  /** True when the batch covers no input at all. */
  get empty(): boolean {
    return this.end === this.start;
  }

  /** True when a line of `length` bytes can join without passing a limit. */
  fits(length: number): boolean {
    return (
      this.lines.length === 0 ||
      (this.lines.length < this.limits.maxLines &&
        this.bytes + length + 1 <= this.limits.maxBytes)
    );
  }

  /** True when no further line can join. */
  get full(): boolean {
    return (
      this.lines.length >= this.limits.maxLines ||
      this.bytes >= this.limits.maxBytes
    );
  }

  /** Adds a line (blank lines only extend the range) ending at `end`. */
  add(text: Buffer | undefined, end: number, now: number): void {
    this.end = end;
    if (text === undefined || isBlank(text)) {
      return;
    }
    if (this.firstAt === 0) {
      this.firstAt = now;
    }
    this.lines.push(text);
    this.bytes += text.length + 1;
  }

  /** The JSON-lines body. */
  body(): Buffer {
    const parts: Buffer[] = [];
    for (const line of this.lines) {
      parts.push(line, NEWLINE);
    }
    return Buffer.concat(parts, this.bytes);
  }
}

const NEWLINE = Buffer.from('\n');

function isBlank(text: Buffer): boolean {
  for (const byte of text) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) {
      return false;
    }
  }
  return true;
}
