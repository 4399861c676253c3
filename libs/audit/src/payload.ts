import { reject, type Rejection } from './rejection.js';

/** One record found in a payload: a parsed JSON value or why it is unusable. */
export type PayloadRecord =
  | { readonly index: number; readonly value: unknown }
  | {
      readonly index: number;
      readonly rejection: Rejection;
      readonly raw: string;
    };

/**
 * Splits a raw payload into records: an `EventList` gives its items, a single
 * `Event` gives itself, and anything that is not one JSON document is read as
 * JSON lines (the format of `--audit-log-path`), one record per line.
 */
export function splitPayload(text: string): PayloadRecord[] {
  const trimmed = text.trim();
  if (trimmed === '') {
    return [
      {
        index: 0,
        rejection: reject('NOT_JSON', 'the payload is empty'),
        raw: '',
      },
    ];
  }
  let document: unknown;
  try {
    document = JSON.parse(trimmed);
  } catch {
    return splitLines(trimmed);
  }
  if (isRecord(document) && document['kind'] === 'EventList') {
    const items = document['items'];
    if (!Array.isArray(items)) {
      return [
        {
          index: 0,
          rejection: reject('WRONG_TYPE', 'EventList.items: expected an array'),
          raw: trimmed.slice(0, 200),
        },
      ];
    }
    return items.map((value: unknown, index) => ({ index, value }));
  }
  return [{ index: 0, value: document }];
}

function splitLines(text: string): PayloadRecord[] {
  const records: PayloadRecord[] = [];
  let index = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') {
      continue;
    }
    try {
      records.push({ index, value: JSON.parse(trimmed) });
    } catch (err) {
      records.push({
        index,
        rejection: reject(
          'NOT_JSON',
          `not JSON: ${err instanceof Error ? err.message : String(err)}`,
        ),
        raw: trimmed,
      });
    }
    index += 1;
  }
  return records;
}

/** A value as it appears in an error message: strings as they are, the rest as JSON. */
export function preview(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
