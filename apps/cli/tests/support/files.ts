import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import type { CommandIo } from '../../src/normalize-command.js';

/** A new temporary directory for one test's files. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kubeguard-cli-${prefix}-`));
}

/** Writes `files` (relative path → text) under a new directory; returns it. */
export function writeTree(files: Record<string, string>): string {
  const dir = tempDir('tree');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** An io that records what a command prints, line by line. */
export function recordingIo(): { io: CommandIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: line => out.push(line), err: line => err.push(line) },
    out,
    err,
  };
}

/**
 * One audit.k8s.io/v1 Event as the API server logs it: `alice` reading a
 * Secret of `payments` from a public address, `minute` minutes after 10:00.
 */
export function secretRead(minute: number, name: string): string {
  const at = `2026-11-20T10:${String(minute).padStart(2, '0')}:00`;
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `read-${name}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/payments/secrets/${name}`,
    verb: 'get',
    user: { username: 'alice@example.com', groups: ['system:authenticated'] },
    sourceIPs: ['203.0.113.7'],
    userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
    objectRef: {
      resource: 'secrets',
      namespace: 'payments',
      name,
      apiVersion: 'v1',
    },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: `${at}.000000Z`,
    stageTimestamp: `${at}.050000Z`,
    annotations: { 'authorization.k8s.io/decision': 'allow' },
  });
}
