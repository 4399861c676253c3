import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';

import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';

import { RuleLoadError } from '../errors.js';
import {
  listSchema,
  macroSchema,
  ruleSchema,
  siteExceptionSchema,
  type ListDocument,
  type MacroDocument,
  type RuleDocument,
  type SiteExceptionDocument,
} from '../format/rule-schema.js';

/** A validated document and the file it came from. */
export interface Sourced<T> {
  file: string;
  doc: T;
}

/** Everything one pack directory holds. */
export interface PackFiles {
  rules: Sourced<RuleDocument>[];
  lists: Sourced<ListDocument>[];
  macros: Sourced<MacroDocument>[];
  exceptions: Sourced<SiteExceptionDocument>[];
}

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);
/** Plain lists: one value per line, `#` comments; the file name is the list name. */
const TEXT_LIST_EXTENSION = '.txt';

/**
 * Reads a pack directory: `lists/`, `macros/` and `exceptions/` hold those
 * kinds (several YAML documents per file allowed); every other YAML file is
 * one rule whose file name is its id.
 * @throws RuleLoadError naming the file and field of the first problem
 */
export function readPackDir(dir: string): PackFiles {
  const pack: PackFiles = { rules: [], lists: [], macros: [], exceptions: [] };
  for (const path of yamlFiles(dir)) {
    // Short paths for files under the working directory, absolute ones elsewhere.
    const fromCwd = relative(process.cwd(), path);
    const file = fromCwd.startsWith('..') ? path : fromCwd;
    const top = relative(dir, path).split(/[\\/]/)[0];
    if (extname(path) === TEXT_LIST_EXTENSION) {
      // Threat feeds (Tor exits, bad IP ranges) come as plain text files.
      if (top !== 'lists') {
        throw new RuleLoadError(file, '', 'text files belong in lists/');
      }
      pack.lists.push({
        file,
        doc: validate(file, listSchema, textList(path)),
      });
      continue;
    }
    const docs = parseYaml(file, readFileSync(path, 'utf8'));
    if (top === 'lists') {
      pack.lists.push(
        ...docs.map(doc => ({ file, doc: validate(file, listSchema, doc) })),
      );
    } else if (top === 'macros') {
      pack.macros.push(
        ...docs.map(doc => ({ file, doc: validate(file, macroSchema, doc) })),
      );
    } else if (top === 'exceptions') {
      pack.exceptions.push(
        ...docs.map(doc => ({
          file,
          doc: validate(file, siteExceptionSchema, doc),
        })),
      );
    } else {
      if (docs.length !== 1) {
        throw new RuleLoadError(
          file,
          '',
          `a rule file holds exactly one YAML document, found ${String(docs.length)}`,
        );
      }
      const rule = validate(file, ruleSchema, docs[0]);
      const expectedId = basename(path, extname(path));
      if (rule.id !== expectedId) {
        throw new RuleLoadError(
          file,
          'id',
          `must equal the file name '${expectedId}', got '${rule.id}'`,
        );
      }
      pack.rules.push({ file, doc: rule });
    }
  }
  return pack;
}

function textList(path: string): unknown {
  const items = readFileSync(path, 'utf8')
    .split('\n')
    .map(line => line.replace(/#.*/, '').trim())
    .filter(line => line !== '');
  // In a site pack this replaces the built-in list of that name (the threat feeds ship empty).
  return {
    name: basename(path, TEXT_LIST_EXTENSION).replace(/-/g, '_'),
    items,
    mode: 'define',
  };
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...yamlFiles(path));
    } else if (
      YAML_EXTENSIONS.has(extname(name)) ||
      extname(name) === TEXT_LIST_EXTENSION
    ) {
      out.push(path);
    }
  }
  return out;
}

function parseYaml(file: string, text: string): unknown[] {
  const docs = parseAllDocuments(text);
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const error = doc.errors[0];
    if (error) {
      throw new RuleLoadError(file, '', `invalid YAML: ${error.message}`);
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) {
      out.push(value);
    }
  }
  return out;
}

function validate<S extends z.ZodType>(
  file: string,
  schema: S,
  value: unknown,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) {
    return result.data;
  }
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  throw new RuleLoadError(file, field, issue?.message ?? 'invalid');
}
