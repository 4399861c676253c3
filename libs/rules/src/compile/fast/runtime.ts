/**
 * Values and operations of compiled CEL closures, with the semantics of
 * `@marcbachmann/cel-js` (the reference the differential tests compare with).
 *
 * Every value a closure handles has been admitted (see {@link admit}) when it
 * entered evaluation, so it is a string, a JS number (CEL double), a BigInt
 * (CEL int), a boolean, null, a plain object (CEL map) or an array (CEL list).
 * Anything else makes the closure give up with {@link BAIL}, and the caller
 * evaluates the expression with cel-js instead.
 */
import { EvaluationError, type ASTNode } from '@marcbachmann/cel-js';

/** The activation a compiled closure reads variables from. */
export type Act = Record<string, unknown>;

/** A compiled expression. */
export type Fn = (act: Act) => unknown;

/**
 * Thrown when a value is outside the model above; never a CEL error, so the
 * error-absorbing operators (`&&`, `||`, `exists`, `all`) re-throw it.
 */
export const BAIL = new Error(
  'CEL value outside the compiled model (evaluated by cel-js instead)',
);

/** The empty optional, in closures of optional-typed expressions. */
export const NONE: unique symbol = Symbol('cel-optional-none');

const hasOwn = Object.hasOwn;
const isArray = Array.isArray;

const MAX_INT = 9223372036854775807n;
const MIN_INT = -9223372036854775808n;

/** An evaluation error, of the class cel-js throws. */
export function celError(message: string, node: ASTNode): EvaluationError {
  return new EvaluationError(message, node);
}

/** The error of an operation that has no overload for its operand types. */
export function noOverload(
  what: string,
  node: ASTNode,
  ...values: readonly unknown[]
): EvaluationError {
  return celError(
    `no such overload: ${what}(${values.map(typeName).join(', ')})`,
    node,
  );
}

/** A value whose key or index is absent. */
export function noSuchKey(key: unknown, node: ASTNode): EvaluationError {
  return celError(`No such key: ${String(key)}`, node);
}

/**
 * Checks a value entering evaluation (a variable, a field, a list element):
 * cel-js refuses types it does not know, so anything but JSON-shaped data
 * goes to cel-js.
 * @throws BAIL for a value outside the model
 */
export function admit(value: unknown): unknown {
  if (typeof value === 'object') {
    if (value !== null) {
      const ctor: unknown = (value as { constructor?: unknown }).constructor;
      if (ctor !== Object && ctor !== Array && ctor !== undefined) {
        throw BAIL;
      }
    }
    return value;
  }
  if (
    value === undefined ||
    typeof value === 'function' ||
    typeof value === 'symbol'
  ) {
    throw BAIL;
  }
  return value;
}

/** Whether an admitted value is a CEL map (a plain object). */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !isArray(value);
}

/** The CEL type name of an admitted value, for messages and `type()`. */
export function typeName(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'object':
      return value === null ? 'null_type' : isArray(value) ? 'list' : 'map';
    default:
      return typeof value;
  }
}

/**
 * Reads a field the way cel-js does on a map, undefined when absent: own
 * properties only (`constructor`, `toString` or anything added to
 * Object.prototype are not fields).
 */
export function ownField(obj: Record<string, unknown>, key: string): unknown {
  return hasOwn(obj, key) ? obj[key] : undefined;
}

/** `obj.key`: a present field of a map, else `no such key`. */
export function field(obj: unknown, key: string, node: ASTNode): unknown {
  if (
    typeof obj === 'object' &&
    obj !== null &&
    !isArray(obj) &&
    hasOwn(obj, key)
  ) {
    const value = (obj as Record<string, unknown>)[key];
    if (value !== undefined) {
      return admit(value);
    }
  }
  throw noSuchKey(key, node);
}

/** `obj[key]`: a list element or a map entry, else an error. */
export function index(obj: unknown, key: unknown, node: ASTNode): unknown {
  if (isArray(obj)) {
    const i =
      typeof key === 'bigint'
        ? Number(key)
        : typeof key === 'number'
          ? key
          : undefined;
    if (i === undefined) {
      throw noSuchKey(key, node);
    }
    const value: unknown = obj[i];
    if (value === undefined) {
      throw celError(
        `No such key: index out of bounds, index ${String(i)} ${
          i < 0 ? '< 0' : `>= size ${String(obj.length)}`
        }`,
        node,
      );
    }
    return admit(value);
  }
  if (typeof obj === 'object' && obj !== null) {
    const value = hasOwn(obj, key as PropertyKey)
      ? (obj as Record<PropertyKey, unknown>)[key as PropertyKey]
      : undefined;
    if (value !== undefined) {
      return admit(value);
    }
  }
  throw noSuchKey(key, node);
}

/** `obj.?key`: the field, or NONE when absent (or obj is NONE or not a map). */
export function optField(obj: unknown, key: string): unknown {
  if (
    typeof obj === 'object' &&
    obj !== null &&
    !isArray(obj) &&
    hasOwn(obj, key)
  ) {
    const value = (obj as Record<string, unknown>)[key];
    return value === undefined ? NONE : admit(value);
  }
  return NONE;
}

/** `obj[?key]`: the element or entry, or NONE. */
export function optIndex(obj: unknown, key: unknown): unknown {
  if (isArray(obj)) {
    const i =
      typeof key === 'bigint'
        ? Number(key)
        : typeof key === 'number'
          ? key
          : undefined;
    const value: unknown = i === undefined ? undefined : obj[i];
    return value === undefined ? NONE : admit(value);
  }
  if (typeof obj === 'object' && obj !== null) {
    const value = hasOwn(obj, key as PropertyKey)
      ? (obj as Record<PropertyKey, unknown>)[key as PropertyKey]
      : undefined;
    return value === undefined ? NONE : admit(value);
  }
  return NONE;
}

/** Whether a JS number equals a BigInt exactly (CEL double == int). */
function numberEqualsInt(n: number, i: bigint): boolean {
  return n === Number(i) && Number.isInteger(n) && BigInt(n) === i;
}

/**
 * CEL `==` on admitted values: same-typed values by value (lists and maps
 * deeply), ints and doubles numerically, anything else unequal.
 */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  switch (typeof a) {
    case 'number':
      return typeof b === 'bigint' && numberEqualsInt(a, b);
    case 'bigint':
      return typeof b === 'number' && numberEqualsInt(b, a);
    case 'object': {
      if (a === null || typeof b !== 'object' || b === null) {
        return false;
      }
      if (isArray(a)) {
        if (!isArray(b) || a.length !== b.length) {
          return false;
        }
        for (let i = 0; i < a.length; i += 1) {
          if (!celEquals(a[i], b[i])) {
            return false;
          }
        }
        return true;
      }
      if (isArray(b)) {
        return false;
      }
      const left = a as Record<string, unknown>;
      const right = b as Record<string, unknown>;
      const keys = Object.keys(left);
      if (keys.length !== Object.keys(right).length) {
        return false;
      }
      for (const key of keys) {
        if (!(key in right && celEquals(left[key], right[key]))) {
          return false;
        }
      }
      return true;
    }
    default:
      return false;
  }
}

/** `value in list`: some element equals the value. */
export function listContains(
  list: readonly unknown[],
  value: unknown,
): boolean {
  if (typeof value === 'string') {
    if (list.length >= LARGE_LIST) {
      return stringSetOf(list).has(value);
    }
    for (let i = 0; i < list.length; i += 1) {
      if (list[i] === value) {
        return true;
      }
    }
    return false;
  }
  for (let i = 0; i < list.length; i += 1) {
    if (celEquals(value, list[i])) {
      return true;
    }
  }
  return false;
}

/** Lists at least this long get a string set, cached per list. */
const LARGE_LIST = 16;
const stringSets = new WeakMap<
  readonly unknown[],
  { length: number; set: ReadonlySet<unknown> }
>();

/**
 * The string elements of a list as a set, cached by identity (the lists of a
 * pack are not changed once loaded; a length change rebuilds the set).
 */
function stringSetOf(list: readonly unknown[]): ReadonlySet<unknown> {
  const cached = stringSets.get(list);
  if (cached?.length === list.length) {
    return cached.set;
  }
  const set = new Set<unknown>();
  for (const item of list) {
    if (typeof item === 'string') {
      set.add(item);
    }
  }
  stringSets.set(list, { length: list.length, set });
  return set;
}

/** `value in collection`: list membership or presence of a map key. */
export function contains(
  value: unknown,
  collection: unknown,
  node: ASTNode,
): boolean {
  if (isArray(collection)) {
    return listContains(collection, value);
  }
  if (typeof collection === 'object' && collection !== null) {
    return (
      hasOwn(collection, value as PropertyKey) &&
      (collection as Record<PropertyKey, unknown>)[value as PropertyKey] !==
        undefined
    );
  }
  throw noOverload('in', node, value, collection);
}

/** Constant lists on the right of `in`, pre-split for lookup. */
export interface ConstantSet {
  readonly strings: ReadonlySet<string>;
  readonly others: readonly unknown[];
}

/** Splits constant list elements into a string set and the rest. */
export function constantSet(values: readonly unknown[]): ConstantSet {
  const strings = new Set<string>();
  const others: unknown[] = [];
  for (const value of values) {
    if (typeof value === 'string') {
      strings.add(value);
    } else {
      others.push(value);
    }
  }
  return { strings, others };
}

/** `value in [constants]`. */
export function constantSetHas(set: ConstantSet, value: unknown): boolean {
  if (typeof value === 'string') {
    return set.strings.has(value);
  }
  for (const other of set.others) {
    if (celEquals(value, other)) {
      return true;
    }
  }
  return false;
}

/** Whether `<`, `<=`, `>`, `>=` apply to two values (else no overload). */
export function comparable(a: unknown, b: unknown): boolean {
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'number' || ta === 'bigint') {
    return tb === 'number' || tb === 'bigint';
  }
  return ta === tb && (ta === 'string' || ta === 'boolean');
}

function checkInt(value: bigint, node: ASTNode): bigint {
  if (value > MAX_INT || value < MIN_INT) {
    throw celError(`integer overflow: ${String(value)}`, node);
  }
  return value;
}

/** `a + b`: ints, doubles, strings, lists. */
export function add(a: unknown, b: unknown, node: ASTNode): unknown {
  if (typeof a === 'string' && typeof b === 'string') {
    return a + b;
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    return checkInt(a + b, node);
  }
  if (typeof a === 'number' && typeof b === 'number') {
    return a + b;
  }
  if (isArray(a) && isArray(b)) {
    return [...(a as unknown[]), ...(b as unknown[])];
  }
  throw noOverload('_+_', node, a, b);
}

/** `a - b`, `a * b`, `a / b`, `a % b` on ints and doubles (`%` ints only). */
export function arithmetic(
  op: '-' | '*' | '/' | '%',
  a: unknown,
  b: unknown,
  node: ASTNode,
): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '-':
        return checkInt(a - b, node);
      case '*':
        return checkInt(a * b, node);
      case '/':
        if (b === 0n) {
          throw celError('division by zero', node);
        }
        return a / b;
      case '%':
        if (b === 0n) {
          throw celError('modulo by zero', node);
        }
        return a % b;
    }
  }
  if (typeof a === 'number' && typeof b === 'number' && op !== '%') {
    return op === '-' ? a - b : op === '*' ? a * b : a / b;
  }
  throw noOverload(`_${op}_`, node, a, b);
}

/** The number of Unicode code points of a string (CEL string size). */
export function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count -= 1;
        i += 1;
      }
    }
  }
  return count;
}

/** `size(x)`: code points of a string, elements of a list, entries of a map. */
export function size(value: unknown, node: ASTNode): bigint {
  if (typeof value === 'string') {
    return BigInt(codePoints(value));
  }
  if (isArray(value)) {
    return BigInt(value.length);
  }
  if (typeof value === 'object' && value !== null) {
    return BigInt(Object.keys(value).length);
  }
  throw noOverload('size', node, value);
}

/** `string(x)`. */
export function toCelString(value: unknown, node: ASTNode): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      return value === Infinity
        ? '+Inf'
        : value === -Infinity
          ? '-Inf'
          : String(value);
    default:
      throw noOverload('string', node, value);
  }
}

/** `int(x)`. */
export function toCelInt(value: unknown, node: ASTNode): bigint {
  if (typeof value === 'bigint') {
    return value;
  }
  if (typeof value === 'number') {
    if (Number.isFinite(value)) {
      return BigInt(Math.trunc(value));
    }
    throw celError('int() type error: integer overflow', node);
  }
  if (typeof value === 'string') {
    if (value === value.trim() && value.length <= 20 && !value.includes('0x')) {
      try {
        const n = BigInt(value);
        if (n <= MAX_INT && n >= MIN_INT) {
          return n;
        }
      } catch {
        // not an integer: the error below
      }
    }
    throw celError('int() type error: cannot convert to int', node);
  }
  throw noOverload('int', node, value);
}

/** `double(x)`. */
export function toCelDouble(value: unknown, node: ASTNode): number {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'bigint') {
    return Number(value);
  }
  if (typeof value === 'string') {
    if (value !== '' && value === value.trim()) {
      switch (value.toLowerCase()) {
        case 'inf':
        case '+inf':
        case 'infinity':
        case '+infinity':
          return Number.POSITIVE_INFINITY;
        case '-inf':
        case '-infinity':
          return Number.NEGATIVE_INFINITY;
        case 'nan':
          return Number.NaN;
        default: {
          const parsed = Number(value);
          if (!Number.isNaN(parsed)) {
            return parsed;
          }
        }
      }
    }
    throw celError('double() type error: cannot convert to double', node);
  }
  throw noOverload('double', node, value);
}

/** `bool(x)`. */
export function toCelBool(value: unknown, node: ASTNode): boolean {
  if (typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'string') {
    switch (value) {
      case '1':
      case 't':
      case 'true':
      case 'TRUE':
      case 'True':
        return true;
      case '0':
      case 'f':
      case 'false':
      case 'FALSE':
      case 'False':
        return false;
      default:
        throw celError(
          `bool() conversion error: invalid string value "${value}"`,
          node,
        );
    }
  }
  throw noOverload('bool', node, value);
}

/** The elements a comprehension ranges over: a list's, or a map's keys. */
export function rangeOf(value: unknown, node: ASTNode): readonly unknown[] {
  if (isArray(value)) {
    return value;
  }
  if (typeof value === 'object' && value !== null) {
    return Object.keys(value);
  }
  throw celError(
    `Expression of type '${typeName(value)}' cannot be range of a comprehension (must be list, map, or dynamic).`,
    node,
  );
}

/** Compiled regular expressions by pattern, for `matches` with a variable pattern. */
export class RegexCache {
  readonly #cache = new Map<string, RegExp>();

  /** @throws EvaluationError for an invalid pattern */
  get(pattern: string, node: ASTNode): RegExp {
    let regex = this.#cache.get(pattern);
    if (regex === undefined) {
      regex = compileRegex(pattern, node);
      if (this.#cache.size >= 1000) {
        this.#cache.clear();
      }
      this.#cache.set(pattern, regex);
    }
    return regex;
  }
}

/** `new RegExp(pattern)`, with cel-js's error for an invalid one. */
export function compileRegex(pattern: string, node: ASTNode): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    throw celError(`Invalid regular expression: ${pattern}`, node);
  }
}

/** `list.join(sep)`: every element must be a string. */
export function join(list: unknown, separator: string, node: ASTNode): string {
  if (isArray(list)) {
    let out = '';
    for (let i = 0; i < list.length; i += 1) {
      const item: unknown = list[i];
      if (typeof item !== 'string') {
        throw celError('string.join(): list must contain only strings', node);
      }
      out = i === 0 ? item : out + separator + item;
    }
    return out;
  }
  throw noOverload('join', node, list);
}
