import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { errorMessage } from '@kubeguard/errors';
import type { Logger } from '@kubeguard/log';
import { loadPacks, type CompiledPack } from '@kubeguard/rules';

/** The rule pack in force, swapped whole when files change. */
export interface RuleSet {
  /** The pack in force now. Take it once per batch: a reload never splits a batch. */
  current(): CompiledPack;
  /** Reloads now; keeps the old pack and returns the error when the new files are bad. */
  reload(): { ok: true; rules: number } | { ok: false; error: string };
  /** Stops watching the files. */
  close(): void;
}

/**
 * Loads the built-in pack plus site directories and, when `reloadMs` > 0,
 * polls the files' modification times and reloads on change. A bad file is
 * refused with its name and field, and the rules that were running keep
 * running: there is no moment without rules and no event is evaluated twice.
 * @throws RuleLoadError at start when the files are bad
 */
export function createRuleSet(options: {
  dirs: readonly string[];
  reloadMs: number;
  log: Logger;
  onReload?: (result: 'ok' | 'error', rules: number) => void;
}): RuleSet {
  const { dirs, log } = options;
  let pack = loadPacks(dirs);
  let fingerprint = filesFingerprint(dirs);

  const reload: RuleSet['reload'] = () => {
    try {
      pack = loadPacks(dirs);
      options.onReload?.('ok', pack.rules.length);
      log.info('rules reloaded', { rules: pack.rules.length });
      return { ok: true, rules: pack.rules.length };
    } catch (err) {
      options.onReload?.('error', pack.rules.length);
      log.error('rules not reloaded: keeping the rules in force', {
        err: errorMessage(err),
      });
      return { ok: false, error: errorMessage(err) };
    }
  };

  const timer =
    options.reloadMs > 0
      ? setInterval(() => {
          const next = filesFingerprint(dirs);
          if (next !== fingerprint) {
            fingerprint = next;
            reload();
          }
        }, options.reloadMs)
      : undefined;
  timer?.unref();

  return {
    current: () => pack,
    reload,
    close: () => {
      if (timer) {
        clearInterval(timer);
      }
    },
  };
}

/** Paths, sizes and modification times of every file under the directories. */
function filesFingerprint(dirs: readonly string[]): string {
  const parts: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      parts.push(`${dir}:missing`);
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) {
        walk(path);
      } else if (stat) {
        parts.push(`${path}:${String(stat.size)}:${String(stat.mtimeMs)}`);
      }
    }
  };
  dirs.forEach(walk);
  return parts.join('\n');
}
