/**
 * Runs an expression through the compiled closure and the cel-js program and
 * compares the outcomes: the same value (same JS type, deeply), or both throw.
 */
import { celEnvironment, EVENT_VARIABLES } from '../../src/compile/cel-env.js';
import {
  BAIL,
  compileAst,
  fastEnvironment,
  type Fn,
} from '../../src/compile/fast/index.js';

/** What an evaluation gave. */
export type Outcome =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'bail' };

/** An expression compiled both ways. */
export interface Pair {
  readonly text: string;
  /** The compiled closure without the cel-js fallback, so a BAIL shows. */
  readonly fast: Fn | undefined;
  readonly unsupported: readonly string[];
  readonly celjs: (activation: object) => unknown;
}

const environment = fastEnvironment(EVENT_VARIABLES, ['lists']);

/** Compiles an expression both ways; throws when it does not type-check. */
export function compileBoth(text: string): Pair {
  const env = celEnvironment();
  const checked = env.check(text);
  if (!checked.valid) {
    throw new Error(
      `does not type-check: ${text}: ${checked.error?.message ?? ''}`,
    );
  }
  const program = env.parse(text);
  const compiled = compileAst(env.parse(text).ast, environment);
  return {
    text,
    fast: compiled.ok ? compiled.fn : undefined,
    unsupported: compiled.ok ? [] : compiled.unsupported,
    celjs: activation => program(activation) as unknown,
  };
}

/** Runs a program and captures its value or error. */
export function outcome(
  run: (activation: Record<string, unknown>) => unknown,
  activation: Record<string, unknown>,
): Outcome {
  try {
    return { kind: 'value', value: run(activation) };
  } catch (err) {
    if (err === BAIL) {
      return { kind: 'bail' };
    }
    return {
      kind: 'error',
      message: err instanceof Error ? (err.message.split('\n')[0] ?? '') : '',
    };
  }
}

/** Deep equality that tells numbers from BigInts and arrays from maps. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) {
    return false;
  }
  if (typeof a === 'number') {
    return a === b || (Number.isNaN(a) && Number.isNaN(b));
  }
  if (typeof a !== 'object' || a === null || b === null) {
    return a === b;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  if (Array.isArray(left) !== Array.isArray(right)) {
    return false;
  }
  if (Object.getPrototypeOf(left) !== Object.getPrototypeOf(right)) {
    return false;
  }
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every(
      key => Object.hasOwn(right, key) && sameValue(left[key], right[key]),
    )
  );
}

/** Whether two outcomes agree: equal values, or both errors. */
export function agree(fast: Outcome, celjs: Outcome): boolean {
  if (fast.kind === 'value' && celjs.kind === 'value') {
    return sameValue(fast.value, celjs.value);
  }
  return fast.kind === 'error' && celjs.kind === 'error';
}

/** Readable form of an outcome for failure messages. */
export function show(o: Outcome): string {
  switch (o.kind) {
    case 'value':
      return `value ${describe(o.value)}`;
    case 'error':
      return `error ${o.message}`;
    case 'bail':
      return 'BAIL';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') {
    return `${String(value)}n`;
  }
  try {
    return (
      JSON.stringify(value, (_k, v: unknown) =>
        typeof v === 'bigint' ? `${String(v)}n` : v,
      ) ?? String(value)
    );
  } catch {
    return String(value);
  }
}
