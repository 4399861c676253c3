import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a throwaway PKI, made with openssl for one test run. */
export interface TestPki {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  ca: Buffer;
  /** A client certificate and key signed by the CA, per CN asked for. */
  clients: Record<string, { cert: Buffer; key: Buffer }>;
  /** A client certificate from another CA, which the server must not trust. */
  rogue: { cert: Buffer; key: Buffer };
  remove(): void;
}

const openssl = (cwd: string, args: readonly string[]): void => {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
};

function newCa(cwd: string, name: string): void {
  openssl(cwd, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    '-subj',
    `/CN=kubeguard-test-${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

function newLeaf(
  cwd: string,
  ca: string,
  name: string,
  cn: string,
  extensions: string,
): void {
  openssl(cwd, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  ]);
  writeFileSync(join(cwd, `${name}.ext`), extensions);
  openssl(cwd, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
  ]);
}

/** Makes a CA, a server certificate for 127.0.0.1/localhost, and client certificates. */
export function makeTestPki(clientCns: readonly string[]): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'kubeguard-pki-'));
  const read = (file: string): Buffer => readFileSync(join(dir, file));
  newCa(dir, 'ca');
  newCa(dir, 'rogue-ca');
  newLeaf(
    dir,
    'ca',
    'server',
    '127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  const clients: TestPki['clients'] = {};
  clientCns.forEach((cn, i) => {
    newLeaf(
      dir,
      'ca',
      `client${String(i)}`,
      cn,
      'extendedKeyUsage=clientAuth\n',
    );
    clients[cn] = {
      cert: read(`client${String(i)}.crt`),
      key: read(`client${String(i)}.key`),
    };
  });
  newLeaf(dir, 'rogue-ca', 'rogue', 'prod-a', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    ca: read('ca.crt'),
    clients,
    rogue: { cert: read('rogue.crt'), key: read('rogue.key') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
