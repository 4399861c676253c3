import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from '@kubeguard/config';
import { afterAll, describe, expect, it } from 'vitest';

import { isLoopbackHost, loadConfig } from '../src/config.js';
import { loadWebhookSecurity } from '../src/webhook-auth.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeguard-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The problems a configuration is refused with. */
function problems(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) {
      return err.problems;
    }
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const TOKEN = 'a-token-of-enough-length';

describe('collector configuration', () => {
  it('starts with no configuration: plain HTTP on loopback, unauthenticated, no files', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      LISTEN_HOST: '127.0.0.1',
      WEBHOOK_PORT: 8080,
      WEBHOOK_TOKENS: [],
      WEBHOOK_ALLOW_PLAIN_HTTP: false,
      WEBHOOK_ALLOW_UNAUTHENTICATED: false,
      FILE_PATHS: [],
      FILE_POLL_MS: 250,
      FILE_BATCH_LINES: 1000,
      FILE_BATCH_BYTES: 1_000_000,
      FILE_BATCH_MS: 200,
      FILE_OFFSETS_BUCKET: 'collector-file-offsets',
    });
    const security = loadWebhookSecurity(config);
    expect(security.tls).toBeUndefined();
    expect(security.auth).toMatchObject({
      allowUnauthenticated: true,
      defaultCluster: 'default',
      clientCertificates: false,
      tokens: [],
    });
  });

  it('requires credentials on loopback once any are configured', () => {
    const security = loadWebhookSecurity(
      loadConfig({ WEBHOOK_TOKENS: `${TOKEN}=c1` }),
    );
    expect(security.auth.allowUnauthenticated).toBe(false);
    expect(security.auth.tokens).toHaveLength(1);
  });

  it('refuses plain HTTP without credentials on a non-loopback address, naming the variables', () => {
    expect(problems(() => loadConfig({ LISTEN_HOST: '0.0.0.0' }))).toEqual([
      "WEBHOOK_TLS_CERT_FILE: the webhook would serve plain HTTP on LISTEN_HOST '0.0.0.0', which is not loopback: set WEBHOOK_TLS_CERT_FILE and WEBHOOK_TLS_KEY_FILE, or WEBHOOK_ALLOW_PLAIN_HTTP=true (e.g. behind a TLS-terminating proxy)",
      "WEBHOOK_TOKENS: no webhook credentials configured and LISTEN_HOST '0.0.0.0' is not loopback: set WEBHOOK_TOKENS, WEBHOOK_TOKENS_FILE or WEBHOOK_CLIENT_CA_FILE, or WEBHOOK_ALLOW_UNAUTHENTICATED=true",
    ]);
    const open = loadConfig({
      LISTEN_HOST: '0.0.0.0',
      WEBHOOK_ALLOW_PLAIN_HTTP: 'true',
      WEBHOOK_ALLOW_UNAUTHENTICATED: 'true',
    });
    expect(loadWebhookSecurity(open).auth.allowUnauthenticated).toBe(true);
  });

  it('checks the variables that belong together', () => {
    expect(
      problems(() => loadConfig({ WEBHOOK_TLS_CERT_FILE: '/c.pem' })),
    ).toEqual([
      'WEBHOOK_TLS_KEY_FILE: required when WEBHOOK_TLS_CERT_FILE is set',
    ]);
    expect(
      problems(() => loadConfig({ WEBHOOK_TLS_KEY_FILE: '/k.pem' })),
    ).toEqual([
      'WEBHOOK_TLS_CERT_FILE: required when WEBHOOK_TLS_KEY_FILE is set',
    ]);
    expect(
      problems(() =>
        loadConfig({
          WEBHOOK_CLIENT_CA_FILE: '/ca.pem',
          WEBHOOK_CLIENT_CLUSTERS: 'cn=c',
        }),
      ),
    ).toEqual([
      'WEBHOOK_CLIENT_CA_FILE: client certificates need HTTPS: set WEBHOOK_TLS_CERT_FILE and WEBHOOK_TLS_KEY_FILE',
    ]);
    expect(
      problems(() => loadConfig({ WEBHOOK_CLIENT_CLUSTERS: 'cn=c' })),
    ).toEqual([
      'WEBHOOK_CLIENT_CLUSTERS: needs WEBHOOK_CLIENT_CA_FILE (the CA that signs the client certificates)',
    ]);
    expect(
      problems(() =>
        loadConfig({
          WEBHOOK_ALLOW_PLAIN_HTTP: 'maybe',
          FILE_PATHS: '/var/log/audit.log, audit.log',
          FILE_POLL_MS: '0',
        }),
      ),
    ).toEqual([
      "WEBHOOK_ALLOW_PLAIN_HTTP: expected 'true' or 'false', got 'maybe'",
      "FILE_POLL_MS: expected a positive whole number, got '0'",
    ]);
    expect(
      problems(() =>
        loadConfig({ FILE_PATHS: '/var/log/audit.log, audit.log' }),
      ),
    ).toEqual(["FILE_PATHS: expected absolute paths, got 'audit.log'"]);
  });

  it('reads tokens from WEBHOOK_TOKENS and WEBHOOK_TOKENS_FILE and names each bad entry', () => {
    const file = join(dir, 'tokens.csv');
    writeFileSync(
      file,
      `# comment\n\n${TOKEN}-file,c2\nshort,c3\n${TOKEN}-x,bad cluster\nno-comma-here-at-all-1234\n`,
    );
    expect(
      problems(() =>
        loadWebhookSecurity(
          loadConfig({
            WEBHOOK_TOKENS: `${TOKEN}=c1,missing-separator,${TOKEN}=c9`,
            WEBHOOK_TOKENS_FILE: file,
          }),
        ),
      ),
    ).toEqual([
      "WEBHOOK_TOKENS: item 2: expected 'token=cluster'",
      "WEBHOOK_TOKENS: item 3: the same token is given for clusters 'c1' and 'c9'",
      'WEBHOOK_TOKENS_FILE: line 4: token must have at least 16 characters',
      "WEBHOOK_TOKENS_FILE: line 5: cluster must be 1-64 letters, digits, '-' or '_', got 'bad cluster'",
      "WEBHOOK_TOKENS_FILE: line 6: expected 'token,cluster'",
    ]);

    writeFileSync(file, `${TOKEN}-file,c2\n`);
    const { auth } = loadWebhookSecurity(
      loadConfig({
        WEBHOOK_TOKENS: `${TOKEN}==c1`,
        WEBHOOK_TOKENS_FILE: file,
      }),
    );
    expect(auth.tokens.map(t => t.cluster)).toEqual(['c1', 'c2']);
  });

  it('names unreadable and unusable TLS files', () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a pem');
    expect(
      problems(() =>
        loadWebhookSecurity(
          loadConfig({
            WEBHOOK_TLS_CERT_FILE: join(dir, 'missing.pem'),
            WEBHOOK_TLS_KEY_FILE: junk,
          }),
        ),
      )[0],
    ).toMatch(/^WEBHOOK_TLS_CERT_FILE: cannot read '.*missing\.pem': ENOENT/);
    expect(
      problems(() =>
        loadWebhookSecurity(
          loadConfig({
            WEBHOOK_TLS_CERT_FILE: junk,
            WEBHOOK_TLS_KEY_FILE: junk,
          }),
        ),
      )[0],
    ).toMatch(
      /^WEBHOOK_TLS_CERT_FILE, WEBHOOK_TLS_KEY_FILE, WEBHOOK_CLIENT_CA_FILE: not a usable PEM/,
    );
  });

  it('knows loopback hosts', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      'localhost',
      'LOCALHOST',
    ]) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      'collector',
      '128.0.0.1',
    ]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});
