import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { normalizeCommand } from '../src/normalize-command.js';

const fixtures = new URL('../../../fixtures/k8s-audit/', import.meta.url);
const fixture = (name: string): string =>
  readFileSync(new URL(name, fixtures), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'kubeguard-cli-'));

async function run(
  files: string[],
): Promise<{ out: Record<string, unknown>[]; err: string[]; totals: unknown }> {
  const out: Record<string, unknown>[] = [];
  const err: string[] = [];
  const totals = await normalizeCommand(
    files,
    { cluster: 'lab' },
    {
      out: line => out.push(JSON.parse(line) as Record<string, unknown>),
      err: line => err.push(line),
    },
  );
  return { out, err, totals };
}

describe('kubeguard normalize', () => {
  it('prints every event of a pretty-printed EventList as one JSON line', async () => {
    const { out, err, totals } = await run([
      new URL('eventlist-anonymous-and-ordinary.json', fixtures).pathname,
    ]);
    expect(out.map(e => [e['auditId'], e['cluster'], e['verb']])).toEqual([
      ['6f1c5f8e-2f4b-4bb0-9f57-0a3f1f2b7d01', 'lab', 'list'],
      ['0c9a7d4e-81b3-4c5e-a3c2-5b8e2d6f9a12', 'lab', 'get'],
    ]);
    expect(err).toEqual([]);
    expect(totals).toEqual({ events: 2, rejected: 0, skipped: 0 });
  });

  it('reads gzipped JSON lines and reports a bad line with file and line number', async () => {
    const good = JSON.stringify(JSON.parse(fixture('ordinary-get-pod.json')));
    const secret = JSON.stringify(
      JSON.parse(fixture('create-secret-v1beta1.json')),
    );
    const path = join(dir, 'audit.log.gz');
    writeFileSync(path, gzipSync(`${good}\n{"auditID": "cut\n\n${secret}\n`));
    const { out, err, totals } = await run([path]);
    expect(out).toHaveLength(2);
    expect(err).toEqual([
      expect.stringMatching(
        new RegExp(`^${path}:2: NOT_JSON: not JSON: `),
      ) as unknown,
    ]);
    expect(totals).toEqual({ events: 2, rejected: 1, skipped: 0 });
    // the Secret's values are redacted in what the command prints
    expect(out[1]?.['requestObject']).toMatchObject({
      data: { password: '[redacted]' },
    });
    expect(JSON.stringify(out)).not.toContain('aHVudGVyMg==');
  });

  it('fails when a file cannot be read', async () => {
    await expect(run([join(dir, 'missing.log')])).rejects.toThrow(/ENOENT/);
  });
});
