/**
 * Compiles CEL rule expressions to plain JS closures with the semantics of
 * `@marcbachmann/cel-js`, for the expressions whose constructs it supports;
 * the rest stay with cel-js.
 */
import type { ASTNode } from '@marcbachmann/cel-js';

import {
  imageRepository,
  ipInAny,
  matchesAny,
  pathIsUnder,
} from '../functions.js';

import {
  compileAst,
  type CompileResult,
  type FastEnvironment,
  type FastFunction,
} from './compile.js';
import { BAIL, type Act, type Fn } from './runtime.js';

export { compileAst, BAIL };
export type { CompileResult, FastEnvironment, FastFunction, Fn };

/** The functions `celEnvironment()` registers, with their parameter kinds. */
export const RULE_FUNCTIONS: ReadonlyMap<string, FastFunction> = new Map<
  string,
  FastFunction
>([
  // All three are `list.some(...)` over the entries: false for no entries.
  [
    'pathIsUnder',
    {
      params: ['string', 'list'],
      impl: pathIsUnder,
      cacheable: true,
      emptyList: false,
    },
  ],
  [
    'matchesAny',
    {
      params: ['string', 'list'],
      impl: matchesAny,
      cacheable: true,
      emptyList: false,
    },
  ],
  [
    'ipInAny',
    {
      params: ['string', 'list'],
      impl: ipInAny,
      cacheable: true,
      emptyList: false,
    },
  ],
  ['imageRepository', { params: ['string'], impl: imageRepository }],
]);

/** The compiler's view of an environment: dyn variables, map variables, functions. */
export function fastEnvironment(
  dynVariables: readonly string[],
  mapVariables: readonly string[],
  functions: ReadonlyMap<string, FastFunction> = RULE_FUNCTIONS,
): FastEnvironment {
  const variables = new Map<string, 'dyn' | 'map'>();
  for (const name of dynVariables) {
    variables.set(name, 'dyn');
  }
  for (const name of mapVariables) {
    variables.set(name, 'map');
  }
  return { variables, functions };
}

/**
 * Compiles an expression's AST and wraps the closure so that a value outside
 * the compiled model (which the closure signals with BAIL) is evaluated by
 * `fallback`, the cel-js program. Undefined when the AST holds a construct
 * the compiler does not support.
 */
export function compileFast(
  ast: ASTNode,
  environment: FastEnvironment,
  fallback: (activation: object) => unknown,
): ((activation: object) => unknown) | undefined {
  const compiled = compileAst(ast, environment);
  return compiled.ok ? withFallback(compiled.fn, fallback) : undefined;
}

/** A compiled closure whose BAILs go to the cel-js program. */
export function withFallback(
  fn: Fn,
  fallback: (activation: object) => unknown,
): (activation: object) => unknown {
  return activation => {
    try {
      return fn(activation as Act);
    } catch (err) {
      if (err === BAIL) {
        return fallback(activation);
      }
      throw err;
    }
  };
}
