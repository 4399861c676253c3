import type { MacroDocument } from '../format/rule-schema.js';
import type { Sourced } from '../load/read-pack.js';

/**
 * Replaces macro names used as identifiers with their parenthesised
 * conditions, recursively. Names inside string literals and after a `.` (field
 * access) are left alone.
 * @throws Error naming a macro that refers to itself
 */
export function expandMacros(
  expression: string,
  macros: ReadonlyMap<string, Sourced<MacroDocument>>,
  seen: readonly string[] = [],
): string {
  let out = '';
  let i = 0;
  while (i < expression.length) {
    const ch = expression[i] ?? '';
    if (ch === '"' || ch === "'") {
      const end = stringEnd(expression, i);
      out += expression.slice(i, end);
      i = end;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (
        j < expression.length &&
        /[A-Za-z0-9_]/.test(expression[j] ?? '')
      ) {
        j += 1;
      }
      const word = expression.slice(i, j);
      const macro = macros.get(word);
      if (macro && !afterDot(out)) {
        if (seen.includes(word)) {
          throw new Error(
            `macro '${word}' refers to itself through ${[...seen, word].join(' -> ')}`,
          );
        }
        out += `(${expandMacros(macro.doc.condition, macros, [...seen, word])})`;
      } else {
        out += word;
      }
      i = j;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

/** The names used as `lists.<name>` in an expression. */
export function listReferences(expression: string): string[] {
  return [...expression.matchAll(/\blists\.([A-Za-z_][A-Za-z0-9_]*)/g)].map(
    m => m[1] ?? '',
  );
}

/** After `.` or `.?` the word is a field name, not a macro. */
function afterDot(text: string): boolean {
  return /\.\??\s*$/.test(text);
}

function stringEnd(text: string, start: number): number {
  const quote = text[start];
  const triple = text.slice(start, start + 3) === quote?.repeat(3);
  const close = triple ? (quote ?? '').repeat(3) : (quote ?? '');
  let i = start + close.length;
  while (i < text.length) {
    if (text[i] === '\\') {
      i += 2;
      continue;
    }
    if (text.startsWith(close, i)) {
      return i + close.length;
    }
    i += 1;
  }
  return text.length;
}
