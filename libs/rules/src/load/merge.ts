import { RuleLoadError } from '../errors.js';
import type {
  ExceptionDocument,
  MacroDocument,
  RuleDocument,
} from '../format/rule-schema.js';

import type { PackFiles, Sourced } from './read-pack.js';

/** A pack after merging the built-in files with site overlays. */
export interface MergedPack {
  rules: Sourced<RuleDocument>[];
  lists: Map<string, string[]>;
  macros: Map<string, Sourced<MacroDocument>>;
  /** Site exceptions by rule id. */
  exceptions: Map<string, ExceptionDocument[]>;
}

/**
 * Merges packs in order: a later rule with the same id replaces the earlier
 * one (a site can override or disable a built-in rule), lists are defined,
 * appended to or replaced, macros are overridden, and site exceptions are
 * added to their rule.
 * @throws RuleLoadError for a duplicate definition or an exception of an unknown rule
 */
export function mergePacks(packs: readonly PackFiles[]): MergedPack {
  const rules = new Map<string, Sourced<RuleDocument>>();
  const lists = new Map<string, string[]>();
  const macros = new Map<string, Sourced<MacroDocument>>();
  const exceptions = new Map<string, ExceptionDocument[]>();
  for (const pack of packs) {
    const seenHere = new Set<string>();
    for (const rule of pack.rules) {
      if (seenHere.has(rule.doc.id)) {
        throw new RuleLoadError(
          rule.file,
          'id',
          `rule '${rule.doc.id}' is defined twice in one pack`,
        );
      }
      seenHere.add(rule.doc.id);
      rules.set(rule.doc.id, rule);
    }
    const definedHere = new Set<string>();
    for (const { file, doc } of pack.lists) {
      if (doc.mode !== 'append') {
        if (definedHere.has(doc.name)) {
          throw new RuleLoadError(
            file,
            'name',
            `list '${doc.name}' is defined twice in one pack`,
          );
        }
        definedHere.add(doc.name);
      }
      const existing = lists.get(doc.name);
      if (doc.mode === 'append') {
        if (!existing) {
          throw new RuleLoadError(
            file,
            'name',
            `cannot append to unknown list '${doc.name}'`,
          );
        }
        lists.set(doc.name, [...existing, ...doc.items]);
      } else {
        lists.set(doc.name, [...doc.items]);
      }
    }
    const macrosHere = new Set<string>();
    for (const macro of pack.macros) {
      if (macrosHere.has(macro.doc.name)) {
        throw new RuleLoadError(
          macro.file,
          'name',
          `macro '${macro.doc.name}' is defined twice in one pack`,
        );
      }
      macrosHere.add(macro.doc.name);
      macros.set(macro.doc.name, macro);
    }
    for (const { doc } of pack.exceptions) {
      exceptions.set(doc.rule, [
        ...(exceptions.get(doc.rule) ?? []),
        ...doc.exceptions,
      ]);
    }
  }
  for (const pack of packs) {
    for (const { file, doc } of pack.exceptions) {
      if (!rules.has(doc.rule)) {
        throw new RuleLoadError(file, 'rule', `no rule with id '${doc.rule}'`);
      }
    }
  }
  return { rules: [...rules.values()], lists, macros, exceptions };
}
