import { errorMessage } from '@kubeguard/errors';

/**
 * Runs a service's main function and exits with its code; a failure to start
 * (bad configuration, unreachable NATS) prints one line and exits 1.
 */
export function runMain(service: string, main: () => Promise<number>): void {
  main().then(
    code => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${service}: cannot start: ${errorMessage(err)}\n`);
      process.exit(1);
    },
  );
}
