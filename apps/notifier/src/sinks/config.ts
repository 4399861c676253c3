import { readFile } from 'node:fs/promises';

import type { Env } from '@kubeguard/config';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

import { resolveEnvReferences, type MissingVariable } from './env-refs.js';
import { SinkConfigError } from './errors.js';
import { isSinkKind, SINK_KINDS, type SinkConfig } from './registry.js';

/** The validated sinks file. */
export interface SinksConfig {
  sinks: SinkConfig[];
}

/**
 * Reads and validates a sinks file (YAML or JSON):
 * `sinks: [{id, kind, ...}]`. `${ENV_VAR}` anywhere in a value is replaced
 * by the variable from `env`, so secrets stay out of the file.
 * @throws SinkConfigError listing every problem as
 *   `<file>: sink '<id>' (sinks[i]) field '<field>': <problem>`
 */
export async function loadSinksConfig(
  path: string,
  env: Env = process.env,
): Promise<SinksConfig> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    throw new SinkConfigError([
      `${path}: cannot read the sinks file: ${(error as Error).message}`,
    ]);
  }
  return parseSinksConfig(source, path, env);
}

/** {@link loadSinksConfig} for text already read; `file` names it in errors. */
export function parseSinksConfig(
  source: string,
  file: string,
  env: Env = process.env,
): SinksConfig {
  let document: unknown;
  try {
    document = parseYaml(source);
  } catch (error) {
    throw new SinkConfigError([`${file}: ${(error as Error).message}`]);
  }
  const rawSinks = sinksList(document);
  if (rawSinks === undefined) {
    throw new SinkConfigError([
      `${file}: expected a top-level 'sinks' list, e.g. 'sinks: [{id: audit-log, kind: stdout}]'`,
    ]);
  }
  const problems: string[] = [];
  const sinks: SinkConfig[] = [];
  const seen = new Map<string, number>();
  rawSinks.forEach((raw, index) => {
    const id =
      raw !== null &&
      typeof raw === 'object' &&
      typeof (raw as Record<string, unknown>)['id'] === 'string'
        ? ((raw as Record<string, unknown>)['id'] as string)
        : undefined;
    const where =
      id === undefined
        ? `${file}: sinks[${String(index)}]`
        : `${file}: sink '${id}' (sinks[${String(index)}])`;
    const report = (field: string, message: string): void => {
      problems.push(
        field === ''
          ? `${where}: ${message}`
          : `${where} field '${field}': ${message}`,
      );
    };
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      report('', 'expected a mapping of fields');
      return;
    }
    if (id !== undefined) {
      const previous = seen.get(id);
      if (previous !== undefined) {
        report('id', `duplicate id, also used by sinks[${String(previous)}]`);
        return;
      }
      seen.set(id, index);
    }
    const missing: MissingVariable[] = [];
    const resolved = resolveEnvReferences(raw, env, missing) as Record<
      string,
      unknown
    >;
    for (const { field, variable } of missing) {
      report(field, `environment variable ${variable} is not set`);
    }
    const kind = resolved['kind'];
    if (typeof kind !== 'string' || !isSinkKind(kind)) {
      report(
        'kind',
        `${typeof kind === 'string' ? `unknown kind '${kind}'` : 'missing or not a string'}; expected one of ${Object.keys(SINK_KINDS).join(', ')}`,
      );
      return;
    }
    if (missing.length > 0) {
      return;
    }
    const result = SINK_KINDS[kind].schema.safeParse(resolved);
    if (!result.success) {
      for (const issue of result.error.issues) {
        for (const [field, message] of describeIssue(issue)) {
          report(field, message);
        }
      }
      return;
    }
    sinks.push(result.data);
  });
  if (problems.length > 0) {
    throw new SinkConfigError(problems);
  }
  return { sinks };
}

function sinksList(document: unknown): unknown[] | undefined {
  if (document === null || document === undefined) {
    return undefined;
  }
  if (typeof document !== 'object' || Array.isArray(document)) {
    return undefined;
  }
  const sinks = (document as Record<string, unknown>)['sinks'];
  if (sinks === null) {
    return [];
  }
  return Array.isArray(sinks) ? sinks : undefined;
}

/** One zod issue as (field, message) pairs; an unknown key names the key. */
function describeIssue(issue: z.core.$ZodIssue): [string, string][] {
  const field = fieldPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map(key => [
      field === '' ? key : `${field}.${key}`,
      'unknown field',
    ]);
  }
  return [[field, issue.message]];
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number'
        ? `[${String(part)}]`
        : i === 0
          ? String(part)
          : `.${String(part)}`,
    )
    .join('');
}
