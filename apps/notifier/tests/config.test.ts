import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from '@kubeguard/config';
import { makeTestPki, type TestPki } from '@kubeguard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig, loadGrpcSecurity } from '../src/config.js';

let pki: TestPki;
let dir: string;

beforeAll(() => {
  pki = makeTestPki([]);
  dir = mkdtempSync(join(tmpdir(), 'notifier-config-'));
});
afterAll(() => {
  pki.remove();
  rmSync(dir, { recursive: true, force: true });
});

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      return err.problems;
    }
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('loadConfig', () => {
  it('starts with no configuration', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      GRPC_PORT: 50053,
      HTTP_PORT: 9104,
      MONGO_URL: 'mongodb://127.0.0.1:27017/kubeguard',
      ALERT_RETENTION_DAYS: 90,
      ALERT_CHANGE_RETENTION_DAYS: 7,
      STREAM_POLL_MS: 250,
    });
    expect(loadGrpcSecurity(config)).toEqual({});
  });

  it('takes 0 as "keep alerts forever" and refuses other bad numbers by name', () => {
    expect(loadConfig({ ALERT_RETENTION_DAYS: '0' }).ALERT_RETENTION_DAYS).toBe(
      0,
    );
    expect(
      problemsOf(() =>
        loadConfig({
          ALERT_RETENTION_DAYS: '-1',
          ALERT_CHANGE_RETENTION_DAYS: '0',
          STREAM_POLL_MS: 'fast',
        }),
      ),
    ).toEqual([
      "ALERT_RETENTION_DAYS: expected a whole number, 0 or more, got '-1'",
      "ALERT_CHANGE_RETENTION_DAYS: expected a positive whole number, got '0'",
      "STREAM_POLL_MS: expected a positive whole number, got 'fast'",
    ]);
  });

  it('names the variables of incomplete TLS and conflicting token settings', () => {
    expect(problemsOf(() => loadConfig({ GRPC_TLS_CERT_FILE: '/c' }))).toEqual([
      'GRPC_TLS_KEY_FILE: required when GRPC_TLS_CERT_FILE is set',
    ]);
    expect(problemsOf(() => loadConfig({ GRPC_TLS_KEY_FILE: '/k' }))).toEqual([
      'GRPC_TLS_CERT_FILE: required when GRPC_TLS_KEY_FILE is set',
    ]);
    expect(
      problemsOf(() => loadConfig({ GRPC_CLIENT_CA_FILE: '/ca' })),
    ).toEqual([
      'GRPC_CLIENT_CA_FILE: client certificates need TLS: set GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE',
    ]);
    expect(
      problemsOf(() =>
        loadConfig({
          GRPC_TOKENS: 'a=0123456789abcdef',
          GRPC_TOKENS_FILE: '/t',
        }),
      ),
    ).toEqual([
      'GRPC_TOKENS_FILE: set either GRPC_TOKENS or GRPC_TOKENS_FILE, not both',
    ]);
  });
});

describe('loadGrpcSecurity', () => {
  it('reads tokens as name=token pairs', () => {
    expect(
      loadGrpcSecurity(
        loadConfig({
          GRPC_TOKENS:
            ' alice=alice-token-0123456789 , ci-bot@example.com=ci-bot-token-abcdefgh',
        }),
      ),
    ).toEqual({
      auth: {
        tokens: {
          alice: 'alice-token-0123456789',
          'ci-bot@example.com': 'ci-bot-token-abcdefgh',
        },
        clientCertificates: false,
      },
    });
  });

  it('reads a token file with comments and blank lines', () => {
    const path = file(
      'tokens',
      '# API callers\nalice=alice-token-0123456789\n\nui = ui-token-0123456789abc\n',
    );
    expect(
      loadGrpcSecurity(loadConfig({ GRPC_TOKENS_FILE: path })).auth?.tokens,
    ).toEqual({
      alice: 'alice-token-0123456789',
      ui: 'ui-token-0123456789abc',
    });
  });

  it('names every bad token with its place', () => {
    expect(
      problemsOf(() =>
        loadGrpcSecurity(
          loadConfig({
            GRPC_TOKENS:
              'alice=short,=nameless-token-0123,bob,a b=spaced-token-0123456,carol=same-token-0123456789,carol=other-token-0123456789,dave=same-token-0123456789',
          }),
        ),
      ),
    ).toEqual([
      "GRPC_TOKENS: item 1: token of 'alice' must have at least 16 characters and no spaces",
      "GRPC_TOKENS: item 2: expected 'name=token'",
      "GRPC_TOKENS: item 3: expected 'name=token'",
      "GRPC_TOKENS: item 4: name must be 1-64 letters, digits or . _ @ : -, got 'a b'",
      "GRPC_TOKENS: item 6: name 'carol' is given twice",
      "GRPC_TOKENS: item 7: the token of 'dave' is also another name's token",
    ]);
    const empty = file('empty-tokens', '# nothing here\n');
    expect(
      problemsOf(() =>
        loadGrpcSecurity(loadConfig({ GRPC_TOKENS_FILE: empty })),
      ),
    ).toEqual([`GRPC_TOKENS_FILE: '${empty}' holds no 'name=token' line`]);
    expect(
      problemsOf(() =>
        loadGrpcSecurity(
          loadConfig({ GRPC_TOKENS_FILE: join(dir, 'missing') }),
        ),
      )[0],
    ).toMatch(/^GRPC_TOKENS_FILE: cannot read '.*missing': ENOENT/);
  });

  it('loads TLS files, with the client CA turning on certificate authentication', () => {
    const security = loadGrpcSecurity(
      loadConfig({
        GRPC_TLS_CERT_FILE: pki.serverCertFile,
        GRPC_TLS_KEY_FILE: pki.serverKeyFile,
        GRPC_CLIENT_CA_FILE: pki.caFile,
      }),
    );
    expect(security.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(security.tls?.key.toString()).toContain('PRIVATE KEY');
    expect(security.tls?.clientCa).toEqual(pki.ca);
    expect(security.auth).toEqual({ clientCertificates: true });
  });

  it('names TLS files that cannot be read or used', () => {
    expect(
      problemsOf(() =>
        loadGrpcSecurity(
          loadConfig({
            GRPC_TLS_CERT_FILE: join(dir, 'nope.crt'),
            GRPC_TLS_KEY_FILE: pki.serverKeyFile,
          }),
        ),
      )[0],
    ).toMatch(/^GRPC_TLS_CERT_FILE: cannot read '.*nope\.crt': ENOENT/);
    const garbage = file('garbage.pem', 'not a certificate');
    expect(
      problemsOf(() =>
        loadGrpcSecurity(
          loadConfig({
            GRPC_TLS_CERT_FILE: garbage,
            GRPC_TLS_KEY_FILE: pki.serverKeyFile,
          }),
        ),
      )[0],
    ).toMatch(
      /^GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE, GRPC_CLIENT_CA_FILE: not a usable PEM certificate, key and CA: /,
    );
  });
});
