import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { secretRead } from './support/files.js';

const BIN = new URL('../../../bin/kubeguard', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `kubeguard` command, feeding `stdin`. */
function kubeguard(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', code => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

describe('the kubeguard command', () => {
  it('scans stdin and exits 0 whatever it found, with bad records and a summary on stderr', async () => {
    const input = [secretRead(0, 'db'), '{"cut', secretRead(1, 'tls')].join(
      '\n',
    );
    const run = await kubeguard(['scan', '--json', '-'], input);
    expect(run.code).toBe(0);
    const found = run.stdout
      .trim()
      .split('\n')
      .map(line => JSON.parse(line) as { ruleId: string; file: string });
    expect(found.map(d => [d.ruleId, d.file])).toEqual([
      ['secret-read', '(stdin)'],
      ['secret-read', '(stdin)'],
    ]);
    expect(run.stderr).toMatch(/^\(stdin\):2: NOT_JSON: /m);
    expect(run.stderr).toContain(
      'scanned 2 events: 2 detections, 1 unreadable records',
    );
  }, 30_000);

  it('exits 1 when it cannot run, and 2 for a usage error', async () => {
    const missing = await kubeguard(['scan', join('/nonexistent', 'a.log')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^kubeguard: .*ENOENT/);

    const noFiles = await kubeguard(['scan']);
    expect(noFiles.code).toBe(2);
    expect(noFiles.stderr).toContain('scan: name at least one FILE');

    const badOption = await kubeguard(['scan', '--colour', 'x.log']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/^kubeguard: .*--colour/);
    expect(badOption.stderr).toContain('usage: kubeguard');
  }, 30_000);
});
