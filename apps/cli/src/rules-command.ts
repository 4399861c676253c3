import { Severity } from '@kubeguard/contracts';
import {
  createStatefulEvaluator,
  loadPacks,
  runExamples,
} from '@kubeguard/rules';

import type { CommandIo } from './normalize-command.js';

/** `kubeguard rules list`: the rules in force, one per line. */
export function rulesListCommand(
  packDirs: readonly string[],
  io: CommandIo,
): number {
  const pack = loadPacks(packDirs);
  for (const rule of pack.rules) {
    const severity = (Severity[rule.baseSeverity] ?? '').padEnd(8);
    io.out(
      `${rule.doc.id.padEnd(44)} ${severity} ${rule.doc.alertType.padEnd(40)} ${rule.doc.mitre.techniques.join(',')}`,
    );
  }
  io.err(`${String(pack.rules.length)} rules`);
  return pack.rules.length;
}

/**
 * `kubeguard rules test [DIR]`: runs every rule's examples (the built-in
 * pack plus DIR). Returns the number of failed examples.
 */
export function rulesTestCommand(
  packDirs: readonly string[],
  io: CommandIo,
): number {
  const results = runExamples(loadPacks(packDirs), {
    stateful: () => createStatefulEvaluator(),
  });
  const failed = results.filter(r => !r.passed);
  for (const result of failed) {
    io.out(
      `FAIL ${result.file}: ${result.kind} example '${result.name}': ${result.problem ?? ''}`,
    );
  }
  io.out(
    `${String(results.length - failed.length)} passed, ${String(failed.length)} failed`,
  );
  return failed.length;
}
