import { Environment } from '@marcbachmann/cel-js';

import {
  compileFast,
  fastEnvironment,
  type FastEnvironment,
} from './fast/index.js';
import {
  imageRepository,
  ipInAny,
  matchesAny,
  pathIsUnder,
} from './functions.js';

/** The variables a condition sees; see `context.ts` for their shapes. */
export const EVENT_VARIABLES = [
  'auditID',
  'cluster',
  'stage',
  'level',
  'verb',
  'requestURI',
  'userAgent',
  'sourceIPs',
  'user',
  'impersonatedUser',
  'objectRef',
  'responseStatus',
  'annotations',
  'requestObject',
  'responseObject',
  'views',
] as const;

/** A compiled CEL expression: call it with an activation. */
export type CelProgram = (activation: object) => unknown;

let shared: Environment | undefined;

/** The CEL environment every rule is compiled in. */
export function celEnvironment(): Environment {
  if (!shared) {
    const env = new Environment({
      enableOptionalTypes: true,
      homogeneousAggregateLiterals: false,
    });
    for (const name of EVENT_VARIABLES) {
      env.registerVariable(name, 'dyn');
    }
    env.registerVariable('lists', 'map');
    env.registerFunction(
      'pathIsUnder(string, list): bool',
      (path: string, prefixes: string[]) => pathIsUnder(path, prefixes),
    );
    env.registerFunction(
      'matchesAny(string, list): bool',
      (value: string, patterns: string[]) => matchesAny(value, patterns),
    );
    env.registerFunction(
      'ipInAny(string, list): bool',
      (ip: string, cidrs: string[]) => ipInAny(ip, cidrs),
    );
    env.registerFunction('imageRepository(string): string', (image: string) =>
      imageRepository(image),
    );
    shared = env;
  }
  return shared;
}

let fast: FastEnvironment | undefined;

/**
 * Parses and type-checks an expression, then compiles it to plain closures
 * (see `fast/`) when it only uses constructs the compiler supports; otherwise,
 * and for values outside the compiled model, cel-js evaluates it.
 * @throws Error with the CEL parser's or checker's message
 */
export function compileCel(expression: string): CelProgram {
  const env = celEnvironment();
  const checked = env.check(expression);
  if (!checked.valid) {
    throw new Error(
      checked.error?.message.split('\n')[0] ?? 'invalid expression',
    );
  }
  const program = env.parse(expression);
  const interpreted: CelProgram = activation => program(activation) as unknown;
  fast ??= fastEnvironment(EVENT_VARIABLES, ['lists']);
  return compileFast(program.ast, fast, interpreted) ?? interpreted;
}
