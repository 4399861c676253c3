import { parseArgs } from 'node:util';

import { errorMessage } from '@kubeguard/errors';

import { normalizeCommand } from './normalize-command.js';

const USAGE = `usage: kubeguard <command> [options]

commands:
  normalize [--cluster NAME] FILE...   print each audit event of FILE (JSON lines, an EventList,
                                       a cloud export; plain or .gz; - for stdin) normalized,
                                       one JSON object per line; bad records go to stderr
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'normalize') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { cluster: { type: 'string', default: 'default' } },
    });
    if (positionals.length === 0) {
      process.stderr.write(
        `kubeguard normalize: name at least one FILE (or - for stdin)\n\n${USAGE}`,
      );
      return 2;
    }
    const totals = await normalizeCommand(
      positionals,
      { cluster: values.cluster },
      {
        out: line => process.stdout.write(`${line}\n`),
        err: line => process.stderr.write(`${line}\n`),
      },
    );
    process.stderr.write(
      `normalized ${String(totals.events)} events, rejected ${String(totals.rejected)}, skipped ${String(totals.skipped)}\n`,
    );
    return 0;
  }
  process.stderr.write(
    command === undefined || command === 'help' || command === '--help'
      ? USAGE
      : `kubeguard: unknown command '${command}'\n\n${USAGE}`,
  );
  return command === undefined || command === 'help' || command === '--help'
    ? 0
    : 2;
}

main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`kubeguard: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
