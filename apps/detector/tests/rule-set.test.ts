import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { silentLogger } from '@kubeguard/log';
import { BUILTIN_PACK_DIR } from '@kubeguard/rules';
import { waitFor } from '@kubeguard/testing';
import { describe, expect, it } from 'vitest';

import { createRuleSet } from '../src/rule-set.js';

const builtinRule = readFileSync(
  join(BUILTIN_PACK_DIR, 'access', 'anonymous-request-allowed.yaml'),
  'utf8',
);

describe('createRuleSet', () => {
  it('swaps in changed rules, and keeps the old ones when a file is bad', async () => {
    const site = mkdtempSync(join(tmpdir(), 'kubeguard-site-'));
    mkdirSync(join(site, 'access'));
    const results: string[] = [];
    const rules = createRuleSet({
      dirs: [BUILTIN_PACK_DIR, site],
      reloadMs: 20,
      log: silentLogger(),
      onReload: result => results.push(result),
    });
    const before = rules.current();
    const anonymous = (): string | undefined =>
      rules.current().rules.find(r => r.doc.id === 'anonymous-request-allowed')
        ?.doc.severity;
    expect(anonymous()).toBe('medium');

    // a site override of the built-in rule
    writeFileSync(
      join(site, 'access', 'anonymous-request-allowed.yaml'),
      builtinRule.replace('severity: medium', 'severity: critical'),
    );
    await waitFor(() => (anonymous() === 'critical' ? true : undefined), {
      what: 'the override',
    });
    expect(rules.current()).not.toBe(before);

    // a broken file: refused, the override stays in force
    const inForce = rules.current();
    writeFileSync(
      join(site, 'access', 'broken.yaml'),
      'id: broken\ncondition: [\n',
    );
    await waitFor(() => (results.includes('error') ? true : undefined), {
      what: 'the refused reload',
    });
    expect(rules.current()).toBe(inForce);
    expect(rules.reload()).toMatchObject({
      ok: false,
      error: expect.stringContaining('broken.yaml') as unknown,
    });
    rules.close();
  });
});
