/**
 * Compiles a cel-js AST into plain JS closures with cel-js's semantics. No
 * code generation: each node becomes a closure over its children's closures.
 * Constructs outside the supported set are reported instead of compiled, and
 * the caller keeps the cel-js program for that expression.
 */
import type { ASTNode } from '@marcbachmann/cel-js';

import {
  BAIL,
  NONE,
  RegexCache,
  add,
  admit,
  arithmetic,
  celEquals,
  celError,
  comparable,
  compileRegex,
  constantSet,
  constantSetHas,
  contains,
  field,
  index,
  isMap,
  join,
  noOverload,
  noSuchKey,
  optField,
  optIndex,
  ownField,
  rangeOf,
  size,
  toCelBool,
  toCelDouble,
  toCelInt,
  toCelString,
  typeName,
  type Act,
  type Fn,
} from './runtime.js';

/** A function registered in the CEL environment, with its parameter kinds. */
export interface FastFunction {
  readonly params: readonly ('string' | 'list')[];
  readonly impl: (...args: never[]) => unknown;
  /**
   * A pure `(string, list)` function: results are cached per call site by
   * the string, while the list is the same array (pack lists never change).
   */
  readonly cacheable?: boolean;
  /** The result for an empty list, if it does not depend on the string. */
  readonly emptyList?: unknown;
}

/** What the compiler knows of the environment. */
export interface FastEnvironment {
  /** Declared variables: `map` ones must hold a map, `dyn` ones anything. */
  readonly variables: ReadonlyMap<string, 'dyn' | 'map'>;
  readonly functions: ReadonlyMap<string, FastFunction>;
}

/** The outcome of {@link compileAst}. */
export type CompileResult =
  | { readonly ok: true; readonly fn: Fn }
  | { readonly ok: false; readonly unsupported: readonly string[] };

/** CEL's type names, as the identifiers that denote them. */
const TYPE_NAMES = new Set([
  'string',
  'bool',
  'int',
  'uint',
  'double',
  'map',
  'list',
  'bytes',
  'null_type',
  'type',
]);

/** An iteration variable's current value. */
interface Cell {
  v: unknown;
}

/** A comprehension: its epoch counts its evaluations. */
interface Loop {
  epoch: number;
}

/**
 * The iteration variables in scope, each with the depth of its
 * comprehension (1 for the outermost), and the enclosing comprehensions.
 */
interface Scope {
  readonly vars: ReadonlyMap<string, { cell: Cell; depth: number }>;
  readonly loops: readonly Loop[];
}

/** Entries of a call site's result cache before it starts over. */
const RESULT_CACHE_SIZE = 4096;

const MACROS = new Set(['exists', 'all', 'exists_one', 'map', 'filter']);

type Node<K extends ASTNode['op']> = Extract<ASTNode, { op: K }>;

const unreachable: Fn = () => {
  throw new Error('unsupported CEL construct');
};

/**
 * Compiles an AST (from `env.parse(expression).ast`, after `env.check`
 * accepted the expression) into a closure, or lists the constructs it does
 * not support.
 */
export function compileAst(
  ast: ASTNode,
  environment: FastEnvironment,
): CompileResult {
  const reads = new Map<string, number>();
  countReads(ast, new Set(), reads);
  const compiler = new Compiler(environment, reads);
  const root = compiler.value(ast, { vars: new Map(), loops: [] });
  if (compiler.unsupported.length > 0) {
    return { ok: false, unsupported: [...new Set(compiler.unsupported)] };
  }
  if (!compiler.cachesVariables) {
    return { ok: true, fn: root };
  }
  const evaluation = compiler.evaluation;
  return {
    ok: true,
    fn: act => {
      evaluation.count += 1;
      return root(act);
    },
  };
}

/** Counts the reads of each activation variable (iteration variables excluded). */
function countReads(
  node: ASTNode,
  bound: ReadonlySet<string>,
  reads: Map<string, number>,
): void {
  const visit = (n: ASTNode): void => countReads(n, bound, reads);
  switch (node.op) {
    case 'value':
      return;
    case 'id':
      if (!bound.has(node.args)) {
        reads.set(node.args, (reads.get(node.args) ?? 0) + 1);
      }
      return;
    case '.':
    case '.?':
      visit(node.args[0]);
      return;
    case '!_':
    case '-_':
      visit(node.args);
      return;
    case 'list':
      node.args.forEach(visit);
      return;
    case 'map':
      node.args.flat().forEach(visit);
      return;
    case 'call':
      node.args[1].forEach(visit);
      return;
    case 'rcall': {
      const [name, receiver, args] = node.args;
      const [variable, ...body] = args;
      visit(receiver);
      if (MACROS.has(name) && variable?.op === 'id') {
        const inner = new Set(bound).add(variable.args);
        body.forEach(n => countReads(n, inner, reads));
      } else {
        args.forEach(visit);
      }
      return;
    }
    default:
      (node.args as readonly ASTNode[]).forEach(visit);
  }
}

class Compiler {
  readonly unsupported: string[] = [];
  /** Counts the evaluations, for variables read once per evaluation. */
  readonly evaluation = { count: 0 };
  cachesVariables = false;

  constructor(
    private readonly env: FastEnvironment,
    private readonly reads: ReadonlyMap<string, number>,
  ) {}

  private fail(reason: string): Fn {
    this.unsupported.push(reason);
    return unreachable;
  }

  /**
   * Compiles an expression whose value is an ordinary CEL value. Inside a
   * comprehension, an expensive subexpression that does not use the
   * innermost iteration variables is evaluated once per evaluation of the
   * comprehension that binds the last variable it uses (see {@link memoize}).
   */
  value(node: ASTNode, scope: Scope): Fn {
    const depth = scope.loops.length;
    if (depth === 0 || depth === this.memoDepth || !worthMemoizing(node)) {
      return this.compile(node, scope);
    }
    const free = freeDepth(node, depthsOf(scope));
    if (free >= depth) {
      return this.compile(node, scope);
    }
    const outer = this.memoDepth;
    this.memoDepth = depth;
    try {
      return memoize(this.compile(node, scope), scope.loops[free] as Loop);
    } finally {
      this.memoDepth = outer;
    }
  }

  /** The depth at which an enclosing subexpression is already memoized. */
  private memoDepth = -1;

  private compile(node: ASTNode, scope: Scope): Fn {
    switch (node.op) {
      case 'value':
        return this.literal(node);
      case 'id':
        return this.identifier(node, scope);
      case '.':
      case '[]':
      case '.?':
      case '[?]':
        return this.access(node, scope);
      case '&&':
      case '||':
        return this.logical(node, scope);
      case '!_': {
        const operand = this.value(node.args, scope);
        return act => {
          const v = operand(act);
          if (typeof v === 'boolean') {
            return !v;
          }
          throw noOverload('!_', node, v);
        };
      }
      case '-_': {
        const operand = this.value(node.args, scope);
        return act => {
          const v = operand(act);
          if (typeof v === 'bigint') {
            return -v;
          }
          if (typeof v === 'number') {
            return -v;
          }
          throw noOverload('-_', node, v);
        };
      }
      case '==':
      case '!=':
        return this.equality(node, scope);
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.relation(node, scope);
      case 'in':
        return this.membership(node, scope);
      case '+': {
        const left = this.value(node.args[0], scope);
        const right = this.value(node.args[1], scope);
        return act => add(left(act), right(act), node);
      }
      case '-':
      case '*':
      case '/':
      case '%': {
        const op = node.op;
        const left = this.value(node.args[0], scope);
        const right = this.value(node.args[1], scope);
        return act => arithmetic(op, left(act), right(act), node);
      }
      case '?:': {
        const condition = this.value(node.args[0], scope);
        const then = this.value(node.args[1], scope);
        const otherwise = this.value(node.args[2], scope);
        return act => {
          const c = condition(act);
          if (c === true) {
            return then(act);
          }
          if (c === false) {
            return otherwise(act);
          }
          throw celError(
            `Ternary condition must be bool, got '${typeName(c)}'`,
            node,
          );
        };
      }
      case 'list':
        return this.list(node, scope);
      case 'map':
        return this.map(node, scope);
      case 'call':
        return this.call(node, scope);
      case 'rcall':
        return this.receiverCall(node, scope);
      default:
        return this.fail(`operator ${(node as { op: string }).op}`);
    }
  }

  private literal(node: Node<'value'>): Fn {
    const v = node.args;
    switch (typeof v) {
      case 'string':
      case 'boolean':
      case 'bigint':
      case 'number':
        return () => v;
      default:
        if (v === null) {
          return () => null;
        }
        return this.fail(
          v instanceof Uint8Array ? 'bytes literal' : 'uint literal',
        );
    }
  }

  private identifier(node: Node<'id'>, scope: Scope): Fn {
    const name = node.args;
    const cell = scope.vars.get(name)?.cell;
    if (cell !== undefined) {
      return () => cell.v;
    }
    const kind = this.env.variables.get(name);
    if (kind === undefined) {
      return this.fail(
        TYPE_NAMES.has(name)
          ? 'type value outside == and !='
          : `identifier '${name}'`,
      );
    }
    const read = (act: Act): unknown => {
      const v = act[name];
      if (v === undefined) {
        throw celError(`Unknown variable: ${name}`, node);
      }
      admit(v);
      if (kind === 'map' && !isMap(v)) {
        throw BAIL;
      }
      return v;
    };
    if ((this.reads.get(name) ?? 0) < 2) {
      return read;
    }
    // Read several times: once per evaluation (reading the activation, a
    // getter especially, is slow; it does not change during an evaluation).
    let shared = this.sharedReads.get(name);
    if (shared === undefined) {
      this.cachesVariables = true;
      const evaluation = this.evaluation;
      let count = -1;
      let value: unknown;
      shared = act => {
        if (count !== evaluation.count) {
          value = read(act);
          count = evaluation.count;
        }
        return value;
      };
      this.sharedReads.set(name, shared);
    }
    return shared;
  }

  /** One reader per variable read several times. */
  private readonly sharedReads = new Map<string, Fn>();

  /** Whether an expression is optional-typed (`a.?b`, `a.?b.c`, `a.?b.or(...)`). */
  private isOptional(node: ASTNode): boolean {
    switch (node.op) {
      case '.?':
      case '[?]':
        return true;
      case '.':
      case '[]':
        return this.isOptional(node.args[0]);
      case 'rcall':
        return node.args[0] === 'or' && this.isOptional(node.args[1]);
      default:
        return false;
    }
  }

  /**
   * Compiles an optional-typed expression: its closure returns the value, or
   * NONE when empty.
   */
  private optional(node: ASTNode, scope: Scope): Fn {
    switch (node.op) {
      case '.?':
      case '.': {
        const left = this.operand(node.args[0], scope);
        const key = node.args[1];
        return act => optField(left(act), key);
      }
      case '[?]':
      case '[]': {
        const left = this.operand(node.args[0], scope);
        const key = this.value(node.args[1], scope);
        return act => {
          const obj = left(act);
          const k = key(act);
          return optIndex(obj, k);
        };
      }
      case 'rcall': {
        const [, receiver, args] = node.args;
        const alternative = args[0];
        if (
          args.length !== 1 ||
          alternative === undefined ||
          !this.isOptional(alternative)
        ) {
          return this.fail('optional.or with a non-optional argument');
        }
        const first = this.optional(receiver, scope);
        const second = this.optional(alternative, scope);
        return act => {
          const v = first(act);
          return v === NONE ? second(act) : v;
        };
      }
      default:
        return this.fail(`optional ${node.op}`);
    }
  }

  /** The left side of `.?`: an optional or a plain value. */
  private operand(node: ASTNode, scope: Scope): Fn {
    return this.isOptional(node)
      ? this.optional(node, scope)
      : this.value(node, scope);
  }

  private access(node: Node<'.' | '[]' | '.?' | '[?]'>, scope: Scope): Fn {
    if (this.isOptional(node)) {
      return this.fail('optional value used as a value');
    }
    if (node.op === '.') {
      const left = this.value(node.args[0], scope);
      const key = node.args[1];
      return act => field(left(act), key, node);
    }
    const [leftNode, keyNode] = node.args as [ASTNode, ASTNode];
    const left = this.value(leftNode, scope);
    const key = this.value(keyNode, scope);
    return act => {
      const obj = left(act);
      return index(obj, key(act), node);
    };
  }

  /**
   * `a && b && …` and `a || b || …` as one n-ary operator: the deciding
   * value (false for &&, true for ||) wins over errors in any operand,
   * otherwise the first error (or non-bool) is thrown.
   */
  private logical(node: Node<'&&' | '||'>, scope: Scope): Fn {
    const op = node.op;
    const operands: Fn[] = [];
    const collect = (n: ASTNode): void => {
      if (n.op === op) {
        collect(n.args[0]);
        collect(n.args[1]);
      } else {
        operands.push(this.value(n, scope));
      }
    };
    collect(node);
    const decisive = op === '||';
    const count = operands.length;
    return act => {
      let error: unknown;
      let failed = false;
      for (let i = 0; i < count; i += 1) {
        let v: unknown;
        try {
          v = (operands[i] as Fn)(act);
        } catch (err) {
          if (err === BAIL) {
            throw err;
          }
          if (!failed) {
            failed = true;
            error = err;
          }
          continue;
        }
        if (v === decisive) {
          return decisive;
        }
        if (v !== !decisive && !failed) {
          failed = true;
          error = celError(
            `Logical operator requires bool operands, got '${typeName(v)}'`,
            node,
          );
        }
      }
      if (failed) {
        throw error;
      }
      return !decisive;
    };
  }

  /** Whether an expression denotes a CEL type (`type(x)`, `list`, `map` …). */
  private isType(node: ASTNode, scope: Scope): boolean {
    if (node.op === 'id') {
      return (
        TYPE_NAMES.has(node.args) &&
        !scope.vars.has(node.args) &&
        !this.env.variables.has(node.args)
      );
    }
    return (
      node.op === 'call' && node.args[0] === 'type' && node.args[1].length === 1
    );
  }

  /** A type-denoting expression; its closure returns the type's name. */
  private typeValue(node: ASTNode, scope: Scope): Fn {
    if (node.op === 'id') {
      const name = node.args;
      return () => name;
    }
    if (node.op === 'call') {
      const [arg] = node.args[1];
      if (arg !== undefined && !this.isType(arg, scope)) {
        const operand = this.value(arg, scope);
        return act => typeName(operand(act));
      }
    }
    return this.fail('type of a type');
  }

  private equality(node: Node<'==' | '!='>, scope: Scope): Fn {
    const negate = node.op === '!=';
    const [leftNode, rightNode] = node.args;
    const leftType = this.isType(leftNode, scope);
    const rightType = this.isType(rightNode, scope);
    if (leftType || rightType) {
      const left = leftType
        ? this.typeValue(leftNode, scope)
        : this.value(leftNode, scope);
      const right = rightType
        ? this.typeValue(rightNode, scope)
        : this.value(rightNode, scope);
      if (leftType && rightType) {
        return act => (left(act) === right(act)) !== negate;
      }
      // A type never equals a value.
      return act => {
        left(act);
        right(act);
        return negate;
      };
    }
    // Strings, bools and null equal only themselves.
    const identical = (n: ASTNode): boolean =>
      n.op === 'value' &&
      (typeof n.args === 'string' ||
        typeof n.args === 'boolean' ||
        n.args === null);
    if (identical(rightNode) || identical(leftNode)) {
      const swap = !identical(rightNode);
      const other = this.value(swap ? rightNode : leftNode, scope);
      const literal = (swap ? leftNode : rightNode).args;
      return negate
        ? act => other(act) !== literal
        : act => other(act) === literal;
    }
    const left = this.value(leftNode, scope);
    const right = this.value(rightNode, scope);
    return negate
      ? act => {
          const a = left(act);
          return !celEquals(a, right(act));
        }
      : act => {
          const a = left(act);
          return celEquals(a, right(act));
        };
  }

  private relation(node: Node<'<' | '<=' | '>' | '>='>, scope: Scope): Fn {
    const left = this.value(node.args[0], scope);
    const right = this.value(node.args[1], scope);
    const check = (a: unknown, b: unknown): void => {
      if (!comparable(a, b)) {
        throw noOverload(`_${node.op}_`, node, a, b);
      }
    };
    // The operands are numbers, BigInts, strings or booleans, for which JS's
    // relational operators are CEL's.
    type Ordered = number;
    switch (node.op) {
      case '<':
        return act => {
          const a = left(act);
          const b = right(act);
          check(a, b);
          return (a as Ordered) < (b as Ordered);
        };
      case '<=':
        return act => {
          const a = left(act);
          const b = right(act);
          check(a, b);
          return (a as Ordered) <= (b as Ordered);
        };
      case '>':
        return act => {
          const a = left(act);
          const b = right(act);
          check(a, b);
          return (a as Ordered) > (b as Ordered);
        };
      case '>=':
        return act => {
          const a = left(act);
          const b = right(act);
          check(a, b);
          return (a as Ordered) >= (b as Ordered);
        };
    }
  }

  private membership(node: Node<'in'>, scope: Scope): Fn {
    const left = this.value(node.args[0], scope);
    const constants = this.constantList(node.args[1]);
    if (constants !== undefined) {
      const set = constantSet(constants);
      return act => constantSetHas(set, left(act));
    }
    const right = this.value(node.args[1], scope);
    return act => {
      const v = left(act);
      return contains(v, right(act), node);
    };
  }

  /** The values of a list literal of literals, else undefined. */
  private constantList(node: ASTNode): readonly unknown[] | undefined {
    if (node.op !== 'list') {
      return undefined;
    }
    const values: unknown[] = [];
    for (const item of node.args) {
      if (item.op !== 'value') {
        return undefined;
      }
      const v = item.args;
      if (
        typeof v !== 'string' &&
        typeof v !== 'boolean' &&
        typeof v !== 'bigint' &&
        typeof v !== 'number' &&
        v !== null
      ) {
        return undefined;
      }
      values.push(v);
    }
    return Object.freeze(values);
  }

  /**
   * A list that is only read (iterated, passed to a function): constant
   * lists are shared, and `a + b` of unchanged lists returns the same array
   * again (so result caches keyed by the list keep hitting).
   */
  private readOnlyList(node: ASTNode, scope: Scope): Fn {
    const constants = this.constantList(node);
    if (constants !== undefined) {
      return () => constants;
    }
    if (node.op !== '+') {
      return this.value(node, scope);
    }
    const left = this.readOnlyList(node.args[0], scope);
    const right = this.readOnlyList(node.args[1], scope);
    let lastLeft: unknown;
    let lastRight: unknown;
    let leftLength = -1;
    let rightLength = -1;
    let last: unknown;
    return act => {
      const a = left(act);
      const b = right(act);
      if (!Array.isArray(a) || !Array.isArray(b)) {
        return add(a, b, node);
      }
      if (
        a !== lastLeft ||
        b !== lastRight ||
        a.length !== leftLength ||
        b.length !== rightLength
      ) {
        last = add(a, b, node);
        lastLeft = a;
        lastRight = b;
        leftLength = a.length;
        rightLength = b.length;
      }
      return last;
    };
  }

  private list(node: Node<'list'>, scope: Scope): Fn {
    const constants = this.constantList(node);
    if (constants !== undefined) {
      return () => constants.slice();
    }
    const items = node.args.map(item => this.value(item, scope));
    const count = items.length;
    return act => {
      const out = new Array<unknown>(count);
      for (let i = 0; i < count; i += 1) {
        out[i] = (items[i] as Fn)(act);
      }
      return out;
    };
  }

  private map(node: Node<'map'>, scope: Scope): Fn {
    const entries = node.args.map(
      ([k, v]) => [this.value(k, scope), this.value(v, scope)] as const,
    );
    return act => {
      const out: Record<PropertyKey, unknown> = {};
      for (const [key, value] of entries) {
        const k = key(act) as PropertyKey;
        const v = value(act);
        if (k === '__proto__' || k === 'constructor' || k === 'prototype') {
          continue;
        }
        out[k] = v;
      }
      return out;
    };
  }

  private call(node: Node<'call'>, scope: Scope): Fn {
    const [name, args] = node.args;
    const arg = args[0];
    if (args.length === 1 && arg !== undefined) {
      switch (name) {
        case 'has':
          return this.has(arg, scope);
        case 'size': {
          const operand = this.value(arg, scope);
          return act => size(operand(act), node);
        }
        case 'string': {
          const operand = this.value(arg, scope);
          return act => toCelString(operand(act), node);
        }
        case 'int': {
          const operand = this.value(arg, scope);
          return act => toCelInt(operand(act), node);
        }
        case 'double': {
          const operand = this.value(arg, scope);
          return act => toCelDouble(operand(act), node);
        }
        case 'bool': {
          const operand = this.value(arg, scope);
          return act => toCelBool(operand(act), node);
        }
        case 'dyn':
          return this.value(arg, scope);
        case 'type':
          return this.fail('type value outside == and !=');
      }
    }
    const fn = this.env.functions.get(name);
    if (fn === undefined || fn.params.length !== args.length) {
      return this.fail(`function ${name}/${String(args.length)}`);
    }
    const params = fn.params;
    const impl = fn.impl as (...values: unknown[]) => unknown;
    const operands = args.map((a, i) =>
      params[i] === 'list' ? this.readOnlyList(a, scope) : this.value(a, scope),
    );
    const signature = `${name}(${params.join(', ')})`;
    const checkArgs = (values: readonly unknown[]): void => {
      for (let i = 0; i < values.length; i += 1) {
        const v = values[i];
        if (
          params[i] === 'string' ? typeof v !== 'string' : !Array.isArray(v)
        ) {
          throw celError(
            `found no matching overload for '${name}(${values.map(typeName).join(', ')})', expected ${signature}`,
            node,
          );
        }
      }
    };
    if (operands.length === 1) {
      const [a] = operands as [Fn];
      const kind = params[0];
      return act => {
        const x = a(act);
        if (kind === 'string' ? typeof x !== 'string' : !Array.isArray(x)) {
          checkArgs([x]);
        }
        return impl(x);
      };
    }
    if (
      fn.cacheable === true &&
      params.length === 2 &&
      params[0] === 'string' &&
      params[1] === 'list'
    ) {
      const [a, b] = operands as [Fn, Fn];
      const results = new Map<string, unknown>();
      const emptyList = fn.emptyList;
      let list: readonly unknown[] = [];
      let length = 0;
      return act => {
        const x = a(act);
        const y = b(act);
        if (typeof x !== 'string' || !Array.isArray(y)) {
          checkArgs([x, y]);
        }
        const key = x as string;
        const items = y as readonly unknown[];
        if (items.length === 0 && emptyList !== undefined) {
          return emptyList;
        }
        if (items !== list || items.length !== length) {
          results.clear();
          list = items;
          length = items.length;
        }
        let result = results.get(key);
        if (result === undefined) {
          result = impl(key, items);
          if (results.size >= RESULT_CACHE_SIZE) {
            results.clear();
          }
          results.set(key, result);
        }
        return result;
      };
    }
    if (operands.length === 2) {
      const [a, b] = operands as [Fn, Fn];
      return act => {
        const x = a(act);
        const y = b(act);
        if (
          (params[0] === 'string'
            ? typeof x !== 'string'
            : !Array.isArray(x)) ||
          (params[1] === 'string' ? typeof y !== 'string' : !Array.isArray(y))
        ) {
          checkArgs([x, y]);
        }
        return impl(x, y);
      };
    }
    return act => {
      const values = operands.map(f => f(act));
      checkArgs(values);
      return impl(...values);
    };
  }

  /** `has(a.b.c)`: presence of the last field; absent intermediate fields are errors. */
  private has(arg: ASTNode, scope: Scope): Fn {
    const keys: string[] = [];
    const nodes: ASTNode[] = [];
    let n: ASTNode = arg;
    while (n.op === '.') {
      keys.push(n.args[1]);
      nodes.push(n);
      n = n.args[0];
    }
    if (n.op !== 'id' || keys.length === 0) {
      return this.fail('has() of an optional or indexed path');
    }
    const root = this.value(n, scope);
    const last = keys.length - 1;
    return act => {
      let obj = root(act);
      // keys[0] is the field has() tests; the others lead to it.
      for (let i = last; i >= 0; i -= 1) {
        const key = keys[i] as string;
        const next = isMap(obj) ? ownField(obj, key) : undefined;
        if (next === undefined) {
          if (i > 0) {
            throw noSuchKey(key, nodes[i] as ASTNode);
          }
          return false;
        }
        obj = admit(next);
      }
      return true;
    };
  }

  private receiverCall(node: Node<'rcall'>, scope: Scope): Fn {
    const [name, receiverNode, args] = node.args;
    if (this.isOptional(receiverNode)) {
      return this.optionalMethod(node, scope);
    }
    if (MACROS.has(name)) {
      return this.comprehension(node, scope);
    }
    const receiver = this.value(receiverNode, scope);
    const operands = args.map(a => this.value(a, scope));
    const [a, b] = operands;
    const arity = `${name}/${String(args.length)}`;
    switch (arity) {
      case 'size/0':
        return act => size(receiver(act), node);
      case 'startsWith/1':
      case 'endsWith/1':
      case 'contains/1': {
        const arg = a as Fn;
        const test =
          name === 'startsWith'
            ? (s: string, t: string) => s.startsWith(t)
            : name === 'endsWith'
              ? (s: string, t: string) => s.endsWith(t)
              : (s: string, t: string) => s.includes(t);
        return act => {
          const s = receiver(act);
          const t = arg(act);
          if (typeof s !== 'string' || typeof t !== 'string') {
            throw noOverload(`string.${name}`, node, s, t);
          }
          return test(s, t);
        };
      }
      case 'lowerAscii/0':
        return act => {
          const s = receiver(act);
          if (typeof s !== 'string') {
            throw noOverload('string.lowerAscii', node, s);
          }
          return s.toLowerCase();
        };
      case 'upperAscii/0':
        return act => {
          const s = receiver(act);
          if (typeof s !== 'string') {
            throw noOverload('string.upperAscii', node, s);
          }
          return s.toUpperCase();
        };
      case 'trim/0':
        return act => {
          const s = receiver(act);
          if (typeof s !== 'string') {
            throw noOverload('string.trim', node, s);
          }
          return s.trim();
        };
      case 'matches/1':
        return this.matches(node, receiver, args[0] as ASTNode, a as Fn);
      case 'split/1': {
        const sep = a as Fn;
        return act => {
          const s = receiver(act);
          const t = sep(act);
          if (typeof s !== 'string' || typeof t !== 'string') {
            throw noOverload('string.split', node, s, t);
          }
          return s.split(t);
        };
      }
      case 'split/2': {
        const sep = a as Fn;
        const limit = b as Fn;
        return act => {
          const s = receiver(act);
          const t = sep(act);
          const l = limit(act);
          if (
            typeof s !== 'string' ||
            typeof t !== 'string' ||
            typeof l !== 'bigint'
          ) {
            throw noOverload('string.split', node, s, t, l);
          }
          const n = Number(l);
          if (n === 0) {
            return [];
          }
          const parts = s.split(t);
          if (n < 0 || parts.length <= n) {
            return parts;
          }
          const limited = parts.slice(0, n - 1);
          limited.push(parts.slice(n - 1).join(t));
          return limited;
        };
      }
      case 'join/0':
        return act => join(receiver(act), '', node);
      case 'join/1': {
        const sep = a as Fn;
        return act => {
          const list = receiver(act);
          const t = sep(act);
          if (typeof t !== 'string') {
            throw noOverload('list.join', node, list, t);
          }
          return join(list, t, node);
        };
      }
      case 'substring/1':
      case 'substring/2': {
        const start = a as Fn;
        const end = b;
        return act => {
          const s = receiver(act);
          const from = start(act);
          const to = end?.(act);
          if (
            typeof s !== 'string' ||
            typeof from !== 'bigint' ||
            (end !== undefined && typeof to !== 'bigint')
          ) {
            throw noOverload('string.substring', node, s, from);
          }
          const i = Number(from);
          if (i < 0 || i > s.length) {
            throw celError(
              'string.substring(start, end): start index out of range',
              node,
            );
          }
          if (end === undefined) {
            return s.substring(i);
          }
          const j = Number(to);
          if (j < i || j > s.length) {
            throw celError(
              'string.substring(start, end): end index out of range',
              node,
            );
          }
          return s.substring(i, j);
        };
      }
      case 'indexOf/1':
      case 'lastIndexOf/1': {
        const search = a as Fn;
        const last = name === 'lastIndexOf';
        return act => {
          const s = receiver(act);
          const t = search(act);
          if (typeof s !== 'string' || typeof t !== 'string') {
            throw noOverload(`string.${name}`, node, s, t);
          }
          return BigInt(last ? s.lastIndexOf(t) : s.indexOf(t));
        };
      }
      default:
        return this.fail(`method ${arity}`);
    }
  }

  private matches(
    node: Node<'rcall'>,
    receiver: Fn,
    patternNode: ASTNode,
    pattern: Fn,
  ): Fn {
    const check = (s: unknown, p: unknown): void => {
      if (typeof s !== 'string' || typeof p !== 'string') {
        throw noOverload('string.matches', node, s, p);
      }
    };
    if (patternNode.op === 'value' && typeof patternNode.args === 'string') {
      const source = patternNode.args;
      let regex: RegExp | undefined;
      try {
        regex = new RegExp(source);
      } catch {
        regex = undefined;
      }
      const fixed = regex;
      return act => {
        const s = receiver(act);
        check(s, source);
        return (fixed ?? compileRegex(source, node)).test(s as string);
      };
    }
    const cache = new RegexCache();
    let lastPattern: unknown;
    let lastRegex = /$^/;
    return act => {
      const s = receiver(act);
      const p = pattern(act);
      check(s, p);
      if (p !== lastPattern) {
        lastRegex = cache.get(p as string, node);
        lastPattern = p;
      }
      return lastRegex.test(s as string);
    };
  }

  /** orValue, hasValue, value and or on an optional-typed receiver. */
  private optionalMethod(node: Node<'rcall'>, scope: Scope): Fn {
    const [name, receiverNode, args] = node.args;
    const [arg] = args;
    if (name === 'orValue' && args.length === 1 && arg !== undefined) {
      const receiver = this.optional(receiverNode, scope);
      const fallback = this.value(arg, scope);
      return act => {
        const v = receiver(act);
        return v === NONE ? fallback(act) : v;
      };
    }
    if (name === 'hasValue' && args.length === 0) {
      const receiver = this.optional(receiverNode, scope);
      return act => receiver(act) !== NONE;
    }
    if (name === 'value' && args.length === 0) {
      const receiver = this.optional(receiverNode, scope);
      return act => {
        const v = receiver(act);
        if (v === NONE) {
          throw celError('Optional value is not present', node);
        }
        return v;
      };
    }
    if (name === 'or') {
      return this.fail('optional value used as a value');
    }
    return this.fail(`optional method ${name}`);
  }

  /** exists, all, exists_one, map and filter. */
  private comprehension(node: Node<'rcall'>, scope: Scope): Fn {
    const [name, receiverNode, args] = node.args;
    const [variable, first, second] = args;
    if (
      variable?.op !== 'id' ||
      first === undefined ||
      (args.length !== 2 && !(name === 'map' && args.length === 3))
    ) {
      return this.fail(`macro ${name}/${String(args.length)}`);
    }
    const range = this.readOnlyList(receiverNode, scope);
    const cell: Cell = { v: undefined };
    const loop: Loop = { epoch: 0 };
    const inner: Scope = {
      vars: new Map(scope.vars).set(variable.args, {
        cell,
        depth: scope.loops.length + 1,
      }),
      loops: [...scope.loops, loop],
    };
    const predicate = this.value(first, inner);
    const mustBeBool = (v: unknown): Error =>
      celError(
        `${name}(var, predicate) predicate must return bool, got '${typeName(v)}'`,
        node,
      );
    switch (name) {
      case 'exists':
      case 'all': {
        const decisive = name === 'exists';
        return act => {
          const items = rangeOf(range(act), node);
          loop.epoch += 1;
          let error: unknown;
          let failed = false;
          for (let i = 0; i < items.length; i += 1) {
            cell.v = admit(items[i]);
            let v: unknown;
            try {
              v = predicate(act);
            } catch (err) {
              if (err === BAIL) {
                throw err;
              }
              if (!failed) {
                failed = true;
                error = err;
              }
              continue;
            }
            if (v === decisive) {
              return decisive;
            }
            if (v !== !decisive && !failed) {
              failed = true;
              error = mustBeBool(v);
            }
          }
          if (failed) {
            throw error;
          }
          return !decisive;
        };
      }
      case 'exists_one':
        return act => {
          const items = rangeOf(range(act), node);
          loop.epoch += 1;
          let count = 0;
          for (let i = 0; i < items.length; i += 1) {
            cell.v = admit(items[i]);
            const v = predicate(act);
            if (v === true) {
              count += 1;
            } else if (v !== false) {
              throw mustBeBool(v);
            }
          }
          return count === 1;
        };
      case 'filter':
        return act => {
          const items = rangeOf(range(act), node);
          loop.epoch += 1;
          const out: unknown[] = [];
          for (let i = 0; i < items.length; i += 1) {
            const item = admit(items[i]);
            cell.v = item;
            const v = predicate(act);
            if (v === true) {
              out.push(item);
            } else if (v !== false) {
              throw mustBeBool(v);
            }
          }
          return out;
        };
      case 'map': {
        if (second === undefined) {
          return act => {
            const items = rangeOf(range(act), node);
            loop.epoch += 1;
            const out = new Array<unknown>(items.length);
            for (let i = 0; i < items.length; i += 1) {
              cell.v = admit(items[i]);
              out[i] = predicate(act);
            }
            return out;
          };
        }
        const transform = this.value(second, inner);
        return act => {
          const items = rangeOf(range(act), node);
          loop.epoch += 1;
          const out: unknown[] = [];
          for (let i = 0; i < items.length; i += 1) {
            cell.v = admit(items[i]);
            const v = predicate(act);
            if (v === true) {
              out.push(transform(act));
            } else if (v !== false) {
              throw mustBeBool(v);
            }
          }
          return out;
        };
      }
      default:
        return this.fail(`macro ${name}`);
    }
  }
}

/** Nodes whose evaluation costs more than a memo check. */
function worthMemoizing(node: ASTNode): boolean {
  switch (node.op) {
    case '+':
    case 'map':
    case 'call':
    case 'rcall':
    case '&&':
    case '||':
      return true;
    case 'list':
      return node.args.some(item => item.op !== 'value');
    case 'in':
      return node.args[1].op !== 'list';
    default:
      return false;
  }
}

function depthsOf(scope: Scope): ReadonlyMap<string, number> {
  const depths = new Map<string, number>();
  for (const [name, { depth }] of scope.vars) {
    depths.set(name, depth);
  }
  return depths;
}

/**
 * The depth of the innermost comprehension whose variable an expression
 * uses (0 for none); variables the expression binds itself do not count.
 */
function freeDepth(node: ASTNode, depths: ReadonlyMap<string, number>): number {
  const max = (nodes: readonly ASTNode[]): number =>
    nodes.reduce((m, n) => Math.max(m, freeDepth(n, depths)), 0);
  switch (node.op) {
    case 'value':
      return 0;
    case 'id':
      return depths.get(node.args) ?? 0;
    case '.':
    case '.?':
      return freeDepth(node.args[0], depths);
    case '!_':
    case '-_':
      return freeDepth(node.args, depths);
    case 'list':
      return max(node.args);
    case 'map':
      return max(node.args.flat());
    case 'call':
      return max(node.args[1]);
    case 'rcall': {
      const [name, receiver, args] = node.args;
      const [variable, ...body] = args;
      if (MACROS.has(name) && variable?.op === 'id') {
        const inner = new Map(depths).set(variable.args, 0);
        return Math.max(
          freeDepth(receiver, depths),
          ...body.map(n => freeDepth(n, inner)),
        );
      }
      return max([receiver, ...args]);
    }
    default:
      return max(node.args);
  }
}

/**
 * Caches an invariant subexpression's value (or error) for one evaluation
 * of the comprehension `loop`, the one that binds the innermost variable it
 * uses. The expression is pure, so within that evaluation it always yields
 * the same; it is still evaluated lazily, only when first reached.
 */
function memoize(fn: Fn, loop: Loop): Fn {
  let epoch = -1;
  let value: unknown;
  let error: unknown;
  let failed = false;
  return act => {
    if (epoch === loop.epoch) {
      if (failed) {
        throw error;
      }
      return value;
    }
    try {
      value = fn(act);
      failed = false;
    } catch (err) {
      if (err === BAIL) {
        throw err;
      }
      failed = true;
      error = err;
      value = undefined;
    }
    epoch = loop.epoch;
    if (failed) {
      throw error;
    }
    return value;
  };
}
