/**
 * Operator commands on delivery, until AlertService has RPCs for them:
 *
 *   node --conditions=@kubeguard/source --import tsx apps/notifier/src/delivery/cli.ts <command>
 *
 *   sinks                          the sinks of SINKS_FILE
 *   test <sink-id>                 send a test alert to a sink now, print the receiver's answer
 *   dead [--sink ID] [--limit N]   dead letters, newest first (JSON lines)
 *   replay (--sink ID | --id ID ...)
 *                                  make dead letters pending again; a running
 *                                  notifier sends them within DELIVERY_POLL_MS
 *
 * Reads MONGO_URL and SINKS_FILE like the notifier. Exit code 0 on success,
 * 1 when the command failed (a test alert the receiver refused included).
 */
import { parseArgs } from 'node:util';

import { errorMessage } from '@kubeguard/errors';
import { silentLogger } from '@kubeguard/log';
import { connectMongoOutbox } from '@kubeguard/storage-mongo';

import { loadConfig } from '../config.js';
import type { AlertChange } from '../sinks/sink.js';
import { withDeliveryConfig } from './config.js';
import { createDeliveryAdmin } from './delivery-admin.js';
import { loadSinks } from './load-sinks.js';

const USAGE =
  'usage: cli.ts sinks | test <sink-id> | dead [--sink ID] [--limit N] | replay (--sink ID | --id ID ...)\n';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      sink: { type: 'string' },
      id: { type: 'string', multiple: true },
      limit: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  const config = withDeliveryConfig(loadConfig);
  const sinks = await loadSinks(config.SINKS_FILE, silentLogger());
  const outbox = await connectMongoOutbox<AlertChange>({
    url: config.MONGO_URL,
  });
  const admin = createDeliveryAdmin({
    sinks: sinks.map(s => s.sink),
    outbox,
    wake: () => undefined,
  });
  const print = (value: unknown): void => {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  };
  try {
    switch (command) {
      case 'sinks':
        admin.listSinks().forEach(print);
        return 0;
      case 'test': {
        const result = await admin.sendTestAlert(rest[0] ?? '');
        print(result);
        return result.delivered ? 0 : 1;
      }
      case 'dead': {
        const dead = await admin.listDeadDeliveries({
          ...(values.sink === undefined ? {} : { sinkId: values.sink }),
          ...(values.limit === undefined
            ? {}
            : { limit: Number(values.limit) }),
        });
        for (const item of dead) {
          print({
            id: item.id,
            sinkId: item.sinkId,
            alertId: item.alert.alertId,
            change: item.change,
            attempts: item.attempts,
            lastError: item.lastError,
            deadAt: item.deadAt,
            createdAt: item.createdAt,
          });
        }
        return 0;
      }
      case 'replay': {
        const replayed = await admin.replayDeadDeliveries({
          ...(values.sink === undefined ? {} : { sinkId: values.sink }),
          ...(values.id === undefined ? {} : { ids: values.id }),
        });
        print({ replayed });
        return 0;
      }
      default:
        process.stderr.write(USAGE);
        return 2;
    }
  } finally {
    await outbox.close();
    await Promise.all(sinks.map(s => s.sink.close()));
  }
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`delivery: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
