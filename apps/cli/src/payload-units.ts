import type { Readable } from 'node:stream';

import { numberedLines } from './read-lines.js';

/** A piece of input to normalize on its own, and the line it starts on. */
export interface PayloadUnit {
  line: number;
  text: string;
  /** True when the unit is the whole input as one document. */
  document: boolean;
}

/**
 * Cuts input into payload units without holding a large file in memory: JSON
 * lines (the audit log file format) give one unit per line. When the first
 * line is not a JSON document by itself, the input is one pretty-printed
 * document (an exported EventList, say) and becomes a single unit.
 */
export async function* payloadUnits(
  stream: Readable,
): AsyncGenerator<PayloadUnit> {
  let documentMode: boolean | undefined;
  const document: string[] = [];
  for await (const { line, text } of numberedLines(stream)) {
    if (documentMode === undefined) {
      if (text.trim() === '') {
        continue;
      }
      documentMode = !parsesAlone(text);
    }
    if (documentMode) {
      document.push(text);
    } else if (text.trim() !== '') {
      yield { line, text, document: false };
    }
  }
  if (documentMode) {
    yield { line: 1, text: document.join('\n'), document: true };
  }
}

function parsesAlone(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
