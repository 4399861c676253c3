import { normalizePayload, type NormalizedPayload } from '@kubeguard/audit';

import type { CommandIo } from './normalize-command.js';
import { payloadUnits } from './payload-units.js';
import { openText } from './read-lines.js';

/** One unit of a file (a line, or a whole document), normalized. */
export interface NormalizedUnit {
  /** The file's name as given, `(stdin)` for `-`. */
  file: string;
  /** Where the unit starts (1-based). */
  line: number;
  /** Its size in characters, plus the line break. */
  size: number;
  result: NormalizedPayload;
}

/**
 * Reads audit files (plain or .gz, `-` for stdin) unit by unit, normalizes
 * each, and reports unusable records on `io.err` with file, line (or record)
 * and reason before yielding the unit.
 */
export async function* normalizedUnits(
  files: readonly string[],
  cluster: string,
  io: CommandIo,
): AsyncGenerator<NormalizedUnit> {
  for (const path of files) {
    const file = path === '-' ? '(stdin)' : path;
    for await (const unit of payloadUnits(await openText(path))) {
      // A whole document may be an encoded export (base64 gzip): let the decoder see its bytes.
      const result = normalizePayload(
        unit.document ? Buffer.from(unit.text) : unit.text,
        { cluster, rawBatchId: `${file}:${String(unit.line)}` },
      );
      for (const rejected of result.rejected) {
        const where = unit.document
          ? `${file}: record ${String(rejected.index + 1)}`
          : `${file}:${String(unit.line)}`;
        io.err(
          `${where}: ${rejected.rejection.reason}: ${rejected.rejection.detail}`,
        );
      }
      yield { file, line: unit.line, size: unit.text.length + 1, result };
    }
  }
}
