import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { BUILTIN_PACK_DIR, RuleLoadError } from '@kubeguard/rules';
import { describe, expect, it } from 'vitest';

import { scanCommand, type ScanOptions } from '../src/scan-command.js';
import {
  recordingIo,
  secretRead,
  tempDir,
  writeTree,
} from './support/files.js';

const fixtures = new URL('../../../fixtures/', import.meta.url);
const dir = tempDir('scan');

/** Five different Secrets read in four minutes, with a cut line in the middle. */
function burstLog(): string {
  const lines = ['db', 'api-key', 'tls', 'registry', 'smtp'].map((name, i) =>
    secretRead(i, name),
  );
  lines.splice(2, 0, '{"kind": "Event", "auditID": ');
  return `${lines.join('\n')}\n`;
}

async function scan(
  files: string[],
  options: Partial<ScanOptions> = {},
): Promise<{
  out: string[];
  err: string[];
  totals: Awaited<ReturnType<typeof scanCommand>>;
}> {
  const { io, out, err } = recordingIo();
  const totals = await scanCommand(
    files,
    {
      packDirs: [BUILTIN_PACK_DIR],
      json: false,
      cluster: 'prod',
      ...options,
    },
    io,
  );
  return { out, err, totals };
}

describe('kubeguard scan', () => {
  it('prints one JSON line per detection with rule, alert type, severity, title, audit ID, file and line', async () => {
    const path = new URL(
      'k8s-audit/eventlist-anonymous-and-ordinary.json',
      fixtures,
    ).pathname;
    const { out, err, totals } = await scan([path], { json: true });
    expect(err).toEqual([]);
    const lines = out.map(line => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        ruleId: 'anonymous-request-allowed',
        alertType: 'K8S_AnonymousRequestAllowed',
        severity: 'medium',
        title:
          'Anonymous list on /api/v1/namespaces/default/secrets allowed from 203.0.113.45',
        auditId: '6f1c5f8e-2f4b-4bb0-9f57-0a3f1f2b7d01',
        file: path,
        line: 1,
        cluster: 'prod',
        actor: 'system:anonymous',
        sourceIp: '203.0.113.45',
      }),
    ]);
    expect(totals).toMatchObject({ events: 2, detections: 1, rejected: 0 });
  });

  it('runs stateful rules over the lines in order on the events own clock, and reports an unreadable line without stopping', async () => {
    const path = join(dir, 'audit.log.gz');
    writeFileSync(path, gzipSync(burstLog()));
    const { out, err, totals } = await scan([path], { json: true });
    const found = out.map(
      line => JSON.parse(line) as { ruleId: string; line: number },
    );
    expect(found.filter(d => d.ruleId === 'secret-read')).toHaveLength(5);
    // The fifth distinct Secret (line 6, after the cut line) completes the burst.
    expect(found.filter(d => d.ruleId === 'secret-read-burst')).toEqual([
      expect.objectContaining({
        line: 6,
        severity: 'high',
        title:
          'Many different Secrets read by alice@example.com from 203.0.113.7',
        evidenceAuditIds: [
          'read-db',
          'read-api-key',
          'read-tls',
          'read-registry',
          'read-smtp',
        ],
      }),
    ]);
    expect(err).toEqual([
      expect.stringMatching(
        new RegExp(`^${path}:3: NOT_JSON: not JSON: `),
      ) as unknown,
    ]);
    expect(totals).toMatchObject({ events: 5, detections: 6, rejected: 1 });
  });

  it('prints a table by default, and reads every format the normalizer knows', async () => {
    const gke = new URL('gke/pods-exec.json', fixtures).pathname;
    const { out, totals } = await scan([gke]);
    expect(out[0]).toMatch(/^TIME\s+SEVERITY\s+RULE\s+WHERE\s+TITLE$/);
    expect(out.slice(1).join('\n')).toContain(`exec-into-pod`);
    expect(out.slice(1).every(row => row.includes(`${gke}:`))).toBe(true);
    expect(totals.detections).toBe(out.length - 1);
  });

  it('adds a site pack on top of the built-in one', async () => {
    const site = writeTree({
      'rules/payments-secret-touched.yaml': `id: payments-secret-touched
alertType: K8S_PaymentsSecretTouched
name: Payments Secret touched
title: 'Payments Secret {{ objectRef.name }} read by {{ user.username }}'
description: Any read of a Secret in the payments namespace.
severity: critical
mitre: { tactics: [TA0006], techniques: [T1552.007] }
match: { verbs: [get], resources: [secrets] }
condition: ok && objectRef.namespace == 'payments'
remediation: [Ask the payments team.]
version: 1
examples:
  fire: [{ name: read, event: { objectRef: { resource: secrets, namespace: payments, name: db } } }]
  quiet: [{ name: elsewhere, event: { objectRef: { resource: secrets, namespace: dev, name: db } } }]
`,
    });
    const path = join(dir, 'one-read.log');
    writeFileSync(path, `${secretRead(0, 'db')}\n`);
    const { out } = await scan([path], {
      json: true,
      packDirs: [BUILTIN_PACK_DIR, site],
    });
    expect(
      out
        .map(line => JSON.parse(line) as { ruleId: string; severity: string })
        .filter(d => d.ruleId === 'payments-secret-touched'),
    ).toEqual([
      expect.objectContaining({
        severity: 'critical',
        title: 'Payments Secret db read by alice@example.com',
      }),
    ]);
  });

  it('refuses a bad site pack, naming the file and the field', async () => {
    const site = writeTree({
      'rules/broken.yaml': readFileSync(
        join(BUILTIN_PACK_DIR, 'credentials/secret-read.yaml'),
        'utf8',
      )
        .replace(/^id: .*$/m, 'id: broken')
        .replace(/^severity: .*$/m, 'severity: apocalyptic'),
    });
    const error = await scan([join(dir, 'none')], {
      packDirs: [BUILTIN_PACK_DIR, site],
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RuleLoadError);
    expect(String(error)).toContain('broken.yaml');
    expect(String(error)).toContain('severity');
  });
});
