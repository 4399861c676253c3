import { Severity, severityFromJSON } from '@kubeguard/contracts';
import { InvalidArgumentError } from '@kubeguard/errors';
import type { Document, Filter } from 'mongodb';

import type { AlertDocument } from './alert-document.js';

/** What a suppression rule matches, as stored: only the criteria that are set. */
export interface StoredMatch {
  ruleId?: string;
  cluster?: string;
  namespace?: string;
  /** The actor's username. */
  actor?: string;
  /**
   * Alert field paths and values (or globs). A list, not a map: stored keys
   * may not contain the dots of paths.
   */
  fields?: { path: string; value: string }[];
}

/** A validated match: one predicate, in memory and as a MongoDB filter. */
export interface CompiledMatch {
  /** Whether the alert matches every criterion. */
  test(doc: AlertDocument): boolean;
  /** The same test as a filter on alert documents. */
  filter(): Filter<Document>;
}

type FieldKind = 'string' | 'list' | 'bool' | 'severity';

/** Alert fields a suppression may match on, by the path users write. */
const FIELDS: Readonly<Record<string, FieldKind>> = {
  ruleId: 'string',
  alertType: 'string',
  title: 'string',
  cluster: 'string',
  fingerprint: 'string',
  detector: 'string',
  severity: 'severity',
  mitreTactics: 'list',
  mitreTechniques: 'list',
  'actor.username': 'string',
  'actor.groups': 'list',
  'actor.sourceIps': 'list',
  'actor.userAgent': 'string',
  'actor.impersonatedUsername': 'string',
  'target.verb': 'string',
  'target.resource': 'string',
  'target.subresource': 'string',
  'target.namespace': 'string',
  'target.name': 'string',
  'target.apiGroup': 'string',
  'workload.images': 'list',
  'workload.privileged': 'bool',
  'workload.hostPaths': 'list',
  'workload.serviceAccount': 'string',
};
const MATCHED_PREFIX = 'evidence.matched.';
const MAX_VALUE = 1000;

/** One criterion: a path in the alert document and how to compare. */
interface Criterion {
  path: string;
  kind: FieldKind;
  /** For string and list kinds: the glob as an anchored pattern, or exact. */
  pattern?: RegExp;
  exact?: string | boolean | number;
}

/**
 * Validates a match and compiles it. Errors name the request field, e.g.
 * `match.fields[target.foo]: unknown alert field`.
 * @throws InvalidArgumentError when no criterion is set, a path is unknown or a value is empty or malformed
 */
export function compileMatch(match: StoredMatch): CompiledMatch {
  const criteria: Criterion[] = [];
  const add = (field: string, path: string, kind: FieldKind, value: string) => {
    criteria.push(criterion(field, path, kind, value));
  };
  if (match.ruleId !== undefined) {
    add('match.rule_id', 'ruleId', 'string', match.ruleId);
  }
  if (match.cluster !== undefined) {
    add('match.cluster', 'cluster', 'string', match.cluster);
  }
  if (match.namespace !== undefined) {
    add('match.namespace', 'target.namespace', 'string', match.namespace);
  }
  if (match.actor !== undefined) {
    add('match.actor', 'actor.username', 'string', match.actor);
  }
  for (const { path, value } of match.fields ?? []) {
    const field = `match.fields[${path}]`;
    const kind = path.startsWith(MATCHED_PREFIX)
      ? validMatchedKey(field, path)
      : FIELDS[path];
    if (kind === undefined) {
      throw new InvalidArgumentError(
        field,
        `unknown alert field; use one of ${Object.keys(FIELDS).join(', ')} or ${MATCHED_PREFIX}<key>`,
      );
    }
    add(field, path, kind, value);
  }
  if (criteria.length === 0) {
    throw new InvalidArgumentError(
      'match',
      'set at least one of rule_id, cluster, namespace, actor or fields',
    );
  }
  return {
    test: doc => criteria.every(c => testCriterion(c, doc)),
    filter: () => ({ $and: criteria.map(filterOf) }),
  };
}

/** Whether a value is a glob ('*' or '?' in it) rather than an exact value. */
export function isGlob(value: string): boolean {
  return /[*?]/.test(value);
}

/**
 * The anchored pattern of a glob: '*' any run of characters, '?' one. The
 * source is valid both as a JavaScript RegExp and for the server's `$regex`.
 */
export function globPattern(glob: string): string {
  const body = [...glob]
    .map(ch => {
      if (ch === '*') {
        return '[\\s\\S]*';
      }
      if (ch === '?') {
        return '[\\s\\S]';
      }
      return /[\\^$.|+()[\]{}]/.test(ch) ? `\\${ch}` : ch;
    })
    .join('');
  return `^${body}$`;
}

function criterion(
  field: string,
  path: string,
  kind: FieldKind,
  value: string,
): Criterion {
  if (value === '') {
    throw new InvalidArgumentError(field, 'must not be empty');
  }
  if (value.length > MAX_VALUE) {
    throw new InvalidArgumentError(
      field,
      `must be at most ${String(MAX_VALUE)} characters`,
    );
  }
  switch (kind) {
    case 'bool':
      if (value !== 'true' && value !== 'false') {
        throw new InvalidArgumentError(
          field,
          `expected 'true' or 'false', got '${value}'`,
        );
      }
      return { path, kind, exact: value === 'true' };
    case 'severity': {
      const name = value.toUpperCase();
      const severity = severityFromJSON(
        name.startsWith('SEVERITY_') ? name : `SEVERITY_${name}`,
      );
      if (
        severity === Severity.UNRECOGNIZED ||
        severity === Severity.UNSPECIFIED
      ) {
        throw new InvalidArgumentError(
          field,
          `expected info, low, medium, high or critical, got '${value}'`,
        );
      }
      return { path, kind, exact: severity };
    }
    default:
      return isGlob(value)
        ? { path, kind, pattern: new RegExp(globPattern(value)) }
        : { path, kind, exact: value };
  }
}

function validMatchedKey(field: string, path: string): FieldKind {
  const key = path.slice(MATCHED_PREFIX.length);
  // Dots and '$' would address something else than one map key.
  if (key === '' || /[.$]/.test(key)) {
    throw new InvalidArgumentError(
      field,
      `expected ${MATCHED_PREFIX}<key> with a key without '.' or '$'`,
    );
  }
  return 'string';
}

function testCriterion(c: Criterion, doc: AlertDocument): boolean {
  const value = valueAt(doc, c.path);
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.some(v =>
    c.pattern === undefined
      ? v === c.exact
      : typeof v === 'string' && c.pattern.test(v),
  );
}

function filterOf(c: Criterion): Filter<Document> {
  return {
    [c.path]: c.pattern === undefined ? c.exact : { $regex: c.pattern.source },
  };
}

function valueAt(doc: AlertDocument, path: string): unknown {
  let value: unknown = doc;
  // Matched keys cannot hold '.', so every path splits on dots.
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
