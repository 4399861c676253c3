import { readFileSync } from 'node:fs';

import { errorMessage } from '@kubeguard/errors';

/**
 * A reader for files that configuration variables name: it returns the
 * bytes, or records `NAME: cannot read 'path': reason` in `problems` and
 * returns undefined, so every bad variable is reported at once.
 */
export function configFileReader(
  problems: string[],
): (variable: string, path: string | undefined) => Buffer | undefined {
  return (variable, path) => {
    if (path === undefined) {
      return undefined;
    }
    try {
      return readFileSync(path);
    } catch (err) {
      problems.push(`${variable}: cannot read '${path}': ${errorMessage(err)}`);
      return undefined;
    }
  };
}
