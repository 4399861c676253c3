import {
  AddressClass,
  IdentityClass,
  Outcome,
  Severity,
} from '@kubeguard/contracts';

import { RuleLoadError } from '../errors.js';
import type {
  AggregateDocument,
  ExceptionDocument,
  RuleDocument,
  SeverityName,
} from '../format/rule-schema.js';
import type { MergedPack } from '../load/merge.js';
import type { Sourced } from '../load/read-pack.js';
import {
  compileTemplate,
  pathSegments,
  render,
  resolve,
  type Template,
} from '../template.js';

import { compileCel, EVENT_VARIABLES, type CelProgram } from './cel-env.js';
import { expandMacros, listReferences } from './macros.js';

/** A rule ready to evaluate. */
export interface CompiledRule {
  readonly doc: RuleDocument;
  readonly file: string;
  readonly baseSeverity: Severity;
  readonly verbs: ReadonlySet<string> | undefined;
  readonly resources: ReadonlySet<string> | undefined;
  readonly subresources: ReadonlySet<string> | undefined;
  readonly apiGroups: ReadonlySet<string> | undefined;
  readonly stages: ReadonlySet<string> | undefined;
  /** Derived-view prefilters as enum numbers, checked before any CEL runs. */
  readonly identities: ReadonlySet<number> | undefined;
  readonly outcomes: ReadonlySet<number> | undefined;
  readonly clients: ReadonlySet<number> | undefined;
  readonly impersonated: boolean | undefined;
  /** Undefined only for sequences, whose steps carry the conditions. */
  readonly condition: CelProgram | undefined;
  readonly exceptions: readonly {
    name: string;
    applies: (activation: object) => boolean;
  }[];
  readonly severityModifiers: readonly {
    when: CelProgram;
    severity: Severity;
  }[];
  readonly title: Template;
  readonly aggregate: CompiledAggregate | undefined;
}

/** The CEL parts of a stateful rule, compiled. */
export interface CompiledAggregate {
  readonly doc: AggregateDocument;
  readonly groupBy: readonly CelProgram[];
  /** distinct: the counted value; new-term: the term. */
  readonly value: CelProgram | undefined;
  readonly by: CelProgram | undefined;
  readonly steps: readonly { name: string; condition: CelProgram }[];
  /** window, history or maxSpan, in milliseconds. */
  readonly spanMs: number;
}

/** A compiled pack: rules plus the list values they read. */
export interface CompiledPack {
  readonly rules: readonly CompiledRule[];
  readonly lists: Readonly<Record<string, readonly string[]>>;
}

const SEVERITY: Record<SeverityName, Severity> = {
  info: Severity.INFO,
  low: Severity.LOW,
  medium: Severity.MEDIUM,
  high: Severity.HIGH,
  critical: Severity.CRITICAL,
};

const TEMPLATE_ROOTS = new Set<string>([...EVENT_VARIABLES]);

/**
 * Compiles every enabled rule of a merged pack: macros expanded, CEL parsed
 * and type-checked, list names checked, templates parsed.
 * @throws RuleLoadError naming the file and field of the first problem
 */
export function compilePack(pack: MergedPack): CompiledPack {
  const lists = Object.fromEntries(pack.lists);
  const rules = pack.rules
    .filter(rule => rule.doc.enabled)
    .map(rule =>
      compileRule(rule, pack, lists, pack.exceptions.get(rule.doc.id) ?? []),
    );
  return { rules, lists };
}

function compileRule(
  { file, doc }: Sourced<RuleDocument>,
  pack: MergedPack,
  lists: Record<string, string[]>,
  siteExceptions: readonly ExceptionDocument[],
): CompiledRule {
  const expression = (field: string, text: string): CelProgram => {
    let expanded: string;
    try {
      expanded = expandMacros(text, pack.macros);
    } catch (err) {
      throw new RuleLoadError(file, field, (err as Error).message);
    }
    for (const name of listReferences(expanded)) {
      if (!(name in lists)) {
        throw new RuleLoadError(file, field, `unknown list '${name}'`);
      }
    }
    try {
      return compileCel(expanded);
    } catch (err) {
      throw new RuleLoadError(
        file,
        field,
        `invalid CEL: ${(err as Error).message}`,
      );
    }
  };
  let title: Template;
  try {
    title = compileTemplate(doc.title, TEMPLATE_ROOTS);
  } catch (err) {
    throw new RuleLoadError(file, 'title', (err as Error).message);
  }
  const exceptions = [...doc.exceptions, ...siteExceptions].map(
    (exception, i) => ({
      name: exception.name,
      applies: compileException(
        exception,
        `exceptions.${String(i)}`,
        expression,
      ),
    }),
  );
  const set = (
    values: readonly string[] | undefined,
  ): ReadonlySet<string> | undefined =>
    values === undefined || values.length === 0 ? undefined : new Set(values);
  return {
    doc,
    file,
    baseSeverity: SEVERITY[doc.severity],
    verbs: set(doc.match.verbs),
    resources: set(doc.match.resources),
    subresources:
      doc.match.subresources === undefined
        ? undefined
        : new Set(doc.match.subresources),
    apiGroups:
      doc.match.apiGroups === undefined
        ? undefined
        : new Set(doc.match.apiGroups),
    stages: set(doc.match.stages),
    identities: enumSet(doc.match.identities, IdentityClass),
    outcomes: enumSet(doc.match.outcomes, Outcome),
    clients: enumSet(doc.match.clients, AddressClass),
    impersonated: doc.match.impersonated,
    condition:
      doc.condition === undefined
        ? undefined
        : expression('condition', doc.condition),
    exceptions,
    severityModifiers: doc.severityModifiers.map((m, i) => ({
      when: expression(`severityModifiers.${String(i)}.when`, m.when),
      severity: SEVERITY[m.severity],
    })),
    title,
    aggregate:
      doc.aggregate === undefined
        ? undefined
        : compileAggregate(doc.aggregate, expression),
  };
}

function compileException(
  exception: ExceptionDocument,
  field: string,
  expression: (field: string, text: string) => CelProgram,
): (activation: object) => boolean {
  if (exception.when !== undefined) {
    const program = expression(`${field}.when`, exception.when);
    return activation => program(activation) === true;
  }
  const paths = (exception.fields ?? []).map(pathSegments);
  const rows = exception.values ?? [];
  return activation =>
    rows.some(row =>
      paths.every((path, i) => render(resolve(activation, path)) === row[i]),
    );
}

function compileAggregate(
  doc: AggregateDocument,
  expression: (field: string, text: string) => CelProgram,
): CompiledAggregate {
  const groupBy =
    'groupBy' in doc
      ? doc.groupBy.map((g, i) =>
          expression(`aggregate.groupBy.${String(i)}`, g),
        )
      : [];
  const value =
    doc.type === 'distinct'
      ? expression('aggregate.distinct', doc.distinct)
      : doc.type === 'new-term'
        ? expression('aggregate.term', doc.term)
        : undefined;
  const span =
    doc.type === 'new-term'
      ? doc.history
      : doc.type === 'sequence'
        ? doc.maxSpan
        : doc.window;
  return {
    doc,
    groupBy,
    value,
    by:
      doc.type === 'sequence' ? expression('aggregate.by', doc.by) : undefined,
    steps:
      doc.type === 'sequence'
        ? doc.steps.map((step, i) => ({
            name: step.name,
            condition: expression(
              `aggregate.steps.${String(i)}.condition`,
              step.condition,
            ),
          }))
        : [],
    spanMs: durationMs(span),
  };
}

/** The numbers of named enum values, e.g. `['ANONYMOUS']` → `{6}`. */
function enumSet(
  names: readonly string[] | undefined,
  values: Record<string, string | number>,
): ReadonlySet<number> | undefined {
  return names === undefined
    ? undefined
    : new Set(names.map(name => Number(values[name])));
}

/** `'30s'`, `'5m'`, `'24h'`, `'7d'` or `'250ms'` in milliseconds. */
export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  const unit =
    { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      match?.[2] ?? 'ms'
    ] ?? 1;
  return Number(match?.[1] ?? 0) * unit;
}
