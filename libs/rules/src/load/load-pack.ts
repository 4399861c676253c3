import { fileURLToPath } from 'node:url';

import { compilePack, type CompiledPack } from '../compile/compile-pack.js';

import { mergePacks } from './merge.js';
import { readPackDir } from './read-pack.js';

/** The directory of the built-in rule pack shipped with this library. */
export const BUILTIN_PACK_DIR = fileURLToPath(
  new URL('../../pack/', import.meta.url),
);

/**
 * Reads, merges and compiles pack directories in order: the built-in pack
 * first, then site directories that add rules, lists, macros and exceptions
 * or override them.
 * @throws RuleLoadError naming the file and field of the first problem
 */
export function loadPacks(dirs: readonly string[]): CompiledPack {
  return compilePack(mergePacks(dirs.map(readPackDir)));
}
