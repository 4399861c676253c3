import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import {
  createSinks,
  loadSinksConfig,
  parseSinksConfig,
  SINK_KINDS,
  SinkConfigError,
  type SinkConfig,
} from '../../src/sinks/index.js';
import { testDeps } from './support/sinks.js';

const EXAMPLE = new URL('../../sinks.example.yaml', import.meta.url).pathname;
const EXAMPLE_ENV = {
  SOAR_TOKEN: 'soar-token',
  SOAR_WEBHOOK_SECRET: 'soar-secret-0123456789abcdef',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/X',
  TEAMS_WORKFLOW_URL:
    'https://prod-00.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=y',
  SPLUNK_HEC_TOKEN: 'hec-token',
  ES_API_KEY: 'es-api-key',
  PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEY0000000000000000000000',
};

const dir = mkdtempSync(join(tmpdir(), 'kubeguard-sinks-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The problems a bad file is reported with. */
function problems(
  source: string,
  env: Record<string, string> = {},
): readonly string[] {
  try {
    parseSinksConfig(source, 'sinks.yaml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(SinkConfigError);
    expect((error as SinkConfigError).code).toBe('SINK_CONFIG_INVALID');
    return (error as SinkConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('sinks configuration', () => {
  it('loads a YAML file, resolving ${ENV_VAR} references and defaults', async () => {
    const path = join(dir, 'sinks.yaml');
    writeFileSync(
      path,
      [
        'sinks:',
        '  - id: slack-secops',
        '    kind: slack',
        '    url: ${SLACK_URL}',
        '    minSeverity: high',
        '    rateLimitPerMinute: ${SLACK_RATE}',
        '  - id: hook',
        '    kind: webhook',
        '    url: https://example.com/hook',
        '    headers: { Authorization: "Bearer ${TOKEN}", X-Literal: "$${NOT_A_VAR}" }',
        '    enabled: false',
      ].join('\n'),
    );
    const config = await loadSinksConfig(path, {
      SLACK_URL: 'https://hooks.slack.com/services/A/B/C',
      SLACK_RATE: '20',
      TOKEN: 'tok',
    });
    expect(config.sinks).toEqual([
      {
        id: 'slack-secops',
        kind: 'slack',
        url: 'https://hooks.slack.com/services/A/B/C',
        minSeverity: 'high',
        rateLimitPerMinute: 20,
        enabled: true,
        timeoutMs: 10_000,
      },
      {
        id: 'hook',
        kind: 'webhook',
        url: 'https://example.com/hook',
        headers: { Authorization: 'Bearer tok', 'X-Literal': '${NOT_A_VAR}' },
        enabled: false,
        encoding: 'json',
        timeoutMs: 10_000,
      },
    ]);
    // Disabled sinks are validated but not created.
    expect(createSinks(config, testDeps()).map(s => s.id)).toEqual([
      'slack-secops',
    ]);
  });

  it('reads JSON too', () => {
    const config = parseSinksConfig(
      JSON.stringify({
        sinks: [{ id: 'out', kind: 'stdout', encoding: 'ecs' }],
      }),
      'sinks.json',
    );
    expect(config.sinks).toEqual([
      { id: 'out', kind: 'stdout', encoding: 'ecs', enabled: true },
    ]);
  });

  it('names the file, the sink and the field of an unset variable', () => {
    expect(
      problems(
        'sinks:\n  - id: pd\n    kind: pagerduty\n    routingKey: ${PD_KEY}\n',
      ),
    ).toEqual([
      "sinks.yaml: sink 'pd' (sinks[0]) field 'routingKey': environment variable PD_KEY is not set",
    ]);
    expect(
      problems(
        'sinks:\n  - id: hook\n    kind: webhook\n    url: https://x.example\n    headers:\n      Authorization: Bearer ${TOKEN}\n',
        { TOKEN: '' },
      ),
    ).toEqual([
      "sinks.yaml: sink 'hook' (sinks[0]) field 'headers.Authorization': environment variable TOKEN is not set",
    ]);
  });

  it('reports every problem at once, by sink and field', () => {
    const source = [
      'sinks:',
      '  - id: a',
      '    kind: slack',
      '    url: not-a-url',
      '    minSeverity: severe',
      '  - id: b',
      '    kind: carrier-pigeon',
      '  - kind: stdout',
      '  - id: c',
      '    kind: webhook',
      '    url: https://x.example',
      '    secret: short',
      '    colour: blue',
      '  - id: a',
      '    kind: stdout',
      '  - id: es',
      '    kind: elasticsearch',
      '    url: https://es.example',
      '    encoding: cef',
      '  - id: sys',
      '    kind: syslog',
      '    host: siem',
      '    port: 70000',
      '    facility: local9',
    ].join('\n');
    const found = problems(source);
    const kinds = Object.keys(SINK_KINDS).join(', ');
    expect(found).toEqual([
      expect.stringMatching(
        /^sinks\.yaml: sink 'a' \(sinks\[0\]\) field 'minSeverity': Invalid option: expected one of .*"critical"$/,
      ),
      "sinks.yaml: sink 'a' (sinks[0]) field 'url': expected an http:// or https:// URL",
      `sinks.yaml: sink 'b' (sinks[1]) field 'kind': unknown kind 'carrier-pigeon'; expected one of ${kinds}`,
      "sinks.yaml: sinks[2] field 'id': Invalid input: expected string, received undefined",
      "sinks.yaml: sink 'c' (sinks[3]) field 'secret': use a secret of at least 16 characters",
      "sinks.yaml: sink 'c' (sinks[3]) field 'colour': unknown field",
      "sinks.yaml: sink 'a' (sinks[4]) field 'id': duplicate id, also used by sinks[0]",
      expect.stringMatching(
        /^sinks\.yaml: sink 'es' \(sinks\[5\]\) field 'encoding': Invalid option: expected one of "ecs"\|"ocsf"\|"json"\|"cloudevents"$/,
      ),
      "sinks.yaml: sink 'sys' (sinks[6]) field 'port': expected a port number 1-65535",
      expect.stringMatching(
        /^sinks\.yaml: sink 'sys' \(sinks\[6\]\) field 'facility': expected a facility name \(kern, .*local7\) or a number 0-23$/,
      ),
    ]);
  });

  it('checks fields that only make sense together', () => {
    expect(
      problems(
        'sinks:\n  - id: es\n    kind: elasticsearch\n    url: https://es.example\n    username: u\n',
      ),
    ).toEqual([
      "sinks.yaml: sink 'es' (sinks[0]) field 'password': give username and password together",
    ]);
    expect(
      problems(
        'sinks:\n  - id: es\n    kind: elasticsearch\n    url: https://es.example\n    apiKey: k\n    username: u\n    password: p\n',
      ),
    ).toEqual([
      "sinks.yaml: sink 'es' (sinks[0]) field 'apiKey': give either apiKey or username/password, not both",
    ]);
    expect(
      problems(
        'sinks:\n  - id: s\n    kind: syslog\n    host: h\n    tls: { certFile: /c.pem }\n',
      ),
    ).toEqual([
      "sinks.yaml: sink 's' (sinks[0]) field 'tls.keyFile': give certFile and keyFile together",
    ]);
  });

  it('refuses a file without a sinks list, or with broken YAML', async () => {
    expect(problems('alerts: []')).toEqual([
      "sinks.yaml: expected a top-level 'sinks' list, e.g. 'sinks: [{id: audit-log, kind: stdout}]'",
    ]);
    expect(problems('sinks: [unclosed')[0]).toMatch(/^sinks\.yaml: /);
    expect(problems('sinks:\n  - just a string')).toEqual([
      'sinks.yaml: sinks[0]: expected a mapping of fields',
    ]);
    await expect(loadSinksConfig(join(dir, 'missing.yaml'))).rejects.toThrow(
      /missing\.yaml: cannot read the sinks file: ENOENT/,
    );
  });

  it('accepts an empty sinks list', () => {
    expect(parseSinksConfig('sinks: []', 'sinks.yaml').sinks).toEqual([]);
    expect(parseSinksConfig('sinks:', 'sinks.yaml').sinks).toEqual([]);
  });

  it('the example file has every kind, keeps secrets in variables and builds', async () => {
    const config = await loadSinksConfig(EXAMPLE, EXAMPLE_ENV);
    expect(new Set(config.sinks.map(s => s.kind))).toEqual(
      new Set(Object.keys(SINK_KINDS)),
    );
    // Without the variables it is refused: no secret is written in the file.
    const unset = problems(
      (await import('node:fs')).readFileSync(EXAMPLE, 'utf8'),
      {},
    );
    expect(unset).toHaveLength(Object.keys(EXAMPLE_ENV).length);

    const caFile = join(dir, 'ca.pem');
    writeFileSync(
      caFile,
      '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
    );
    const sinks: SinkConfig[] = config.sinks.map(s =>
      s.kind === 'syslog' ? { ...s, tls: { caFile } } : s,
    );
    const built = createSinks({ sinks }, testDeps());
    expect(built.map(s => [s.id, s.kind, s.sink.id, s.sink.kind])).toEqual(
      config.sinks.map(s => [s.id, s.kind, s.id, s.kind]),
    );
    expect(built.find(s => s.id === 'pagerduty-oncall')?.maxAttempts).toBe(20);
    await Promise.all(built.map(s => s.sink.close()));
  });

  it('reports an unreadable TLS file when the sink is built', () => {
    const config = parseSinksConfig(
      'sinks:\n  - id: sys\n    kind: syslog\n    host: siem\n    tls: { caFile: /nonexistent/ca.pem }\n',
      'sinks.yaml',
    );
    expect(() => createSinks(config, testDeps())).toThrow(
      /sink 'sys': tls\.caFile: cannot read '\/nonexistent\/ca\.pem'/,
    );
  });
});
