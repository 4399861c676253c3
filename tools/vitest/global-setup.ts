import {
  ensureFerretDb,
  findExecutable,
  findNatsServer,
} from '../../libs/testing/src/index.ts';

/**
 * vitest globalSetup: fail early with an install hint when nats-server is missing, and build
 * FerretDB once per run (before any test starts its clock) when no other MongoDB server is around.
 */
export default async function setup(): Promise<void> {
  findNatsServer();

  const mongoUrl = process.env['MONGO_URL'];
  if (
    (mongoUrl !== undefined && mongoUrl !== '') ||
    findExecutable('mongod') ||
    findExecutable('ferretdb')
  )
    return;

  const started = Date.now();
  let built = false;
  await ensureFerretDb(line => {
    built = true;
    process.stderr.write(`[kubeguard global-setup] ${line}\n`);
  });
  if (built) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `[kubeguard global-setup] FerretDB prepared in ${seconds}s\n`,
    );
  }
}
