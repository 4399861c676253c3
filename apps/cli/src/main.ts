import { parseArgs } from 'node:util';

import { errorMessage } from '@kubeguard/errors';
import { BUILTIN_PACK_DIR } from '@kubeguard/rules';

import { normalizeCommand, type CommandIo } from './normalize-command.js';
import { rulesListCommand, rulesTestCommand } from './rules-command.js';
import { scanCommand } from './scan-command.js';

const USAGE = `usage: kubeguard <command> [options]

commands:
  scan [--json] [--rules DIR]... [--cluster NAME] FILE...
                      run the whole pipeline offline over audit files (JSON lines, EventLists,
                      AKS/EKS/GKE exports; plain or .gz; - for stdin) and print detections
  normalize [--cluster NAME] FILE...
                      print each audit event normalized, one JSON object per line
  rules list [--rules DIR]...
                      list the rules in force
  rules test [DIR]    run the examples of every rule (the built-in pack plus DIR)

Bad records go to stderr with file, line and reason. Exit status: 0 when the
command ran (whatever it found), 1 when it could not run, 2 for a usage error,
and for 'rules test' 1 when an example fails.
`;

const io: CommandIo = {
  out: line => process.stdout.write(`${line}\n`),
  err: line => process.stderr.write(`${line}\n`),
};

function usage(problem: string): number {
  process.stderr.write(`kubeguard: ${problem}\n\n${USAGE}`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: command === 'rules' ? rest.slice(1) : rest,
      allowPositionals: true,
      options: {
        cluster: { type: 'string', default: 'default' },
        json: { type: 'boolean', default: false },
        rules: { type: 'string', multiple: true, default: [] },
      },
    });
  } catch (err) {
    return usage(errorMessage(err));
  }
  const { values, positionals } = parsed;
  const packDirs = [BUILTIN_PACK_DIR, ...values.rules];
  switch (command) {
    case 'scan': {
      if (positionals.length === 0) {
        return usage('scan: name at least one FILE (or - for stdin)');
      }
      const showProgress = process.stderr.isTTY;
      const totals = await scanCommand(
        positionals,
        {
          packDirs,
          json: values.json,
          cluster: values.cluster,
          ...(showProgress
            ? {
                progress: (t, file) =>
                  process.stderr.write(
                    `\r${file}: ${String(t.events)} events, ${String(t.detections)} detections…`,
                  ),
              }
            : {}),
        },
        io,
      );
      if (showProgress) {
        process.stderr.write('\r\x1b[K');
      }
      io.err(
        `scanned ${String(totals.events)} events: ${String(totals.detections)} detections, ${String(totals.rejected)} unreadable records`,
      );
      return 0;
    }
    case 'normalize': {
      if (positionals.length === 0) {
        return usage('normalize: name at least one FILE (or - for stdin)');
      }
      const totals = await normalizeCommand(
        positionals,
        { cluster: values.cluster },
        io,
      );
      io.err(
        `normalized ${String(totals.events)} events, rejected ${String(totals.rejected)}, skipped ${String(totals.skipped)}`,
      );
      return 0;
    }
    case 'rules': {
      const sub = rest[0];
      if (sub === 'list') {
        rulesListCommand(packDirs, io);
        return 0;
      }
      if (sub === 'test') {
        return rulesTestCommand([...packDirs, ...positionals], io) === 0
          ? 0
          : 1;
      }
      return usage(`rules: expected 'list' or 'test', got '${sub ?? ''}'`);
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return 0;
    default:
      return usage(`unknown command '${command}'`);
  }
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
