import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { isRejection, normalizeK8sEvent } from '@kubeguard/audit';
import type { AuditEvent } from '@kubeguard/contracts';
import { Severity } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  BUILTIN_PACK_DIR,
  createEngine,
  EXAMPLE_DEFAULTS,
  loadPacks,
  RuleLoadError,
} from '../src/index.js';

const RULE = `id: test-rule
alertType: K8S_TestRule
name: Test rule
title: 'Secret {{ objectRef.name }} read by {{ user.username }}'
description: Fires on secret reads in the shop namespace, for the loader tests.
severity: low
severityModifiers:
  - when: user.username == 'mallory'
    severity: critical
mitre: { tactics: [TA0006], techniques: [T1552.007] }
match: { verbs: [get], resources: [secrets] }
condition: ok && objectRef.namespace in lists.watched_namespaces
remediation: [Look.]
version: 1
examples:
  fire: [{ name: read, event: { objectRef: { resource: secrets, namespace: shop, name: db } } }]
  quiet: [{ name: other namespace, event: { objectRef: { resource: secrets, namespace: dev, name: db } } }]
`;
const LIST = `name: watched_namespaces\nitems: [shop]\n`;

/** Writes files into a new temp pack directory and returns its path. */
function pack(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeguard-pack-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function event(patch: Record<string, unknown>): AuditEvent {
  const result = normalizeK8sEvent(
    {
      ...EXAMPLE_DEFAULTS,
      auditID: 'a1',
      verb: 'get',
      objectRef: { resource: 'secrets', namespace: 'shop', name: 'db' },
      ...patch,
    },
    { cluster: 'c', rawBatchId: 'b', index: 0 },
  );
  if (isRejection(result)) {
    throw new Error(result.detail);
  }
  return result;
}

function loadError(files: Record<string, string>): RuleLoadError {
  const dir = pack(files);
  try {
    loadPacks([BUILTIN_PACK_DIR, dir]);
  } catch (err) {
    if (err instanceof RuleLoadError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected a RuleLoadError');
}

describe('loadPacks', () => {
  it('evaluates a site rule with lists, a title template and a severity modifier', () => {
    const engine = createEngine({
      pack: loadPacks([
        BUILTIN_PACK_DIR,
        pack({ 'x/test-rule.yaml': RULE, 'lists/w.yaml': LIST }),
      ]),
      detector: 't',
    });
    const [plain] =
      engine.evaluateRule('test-rule', event({}), new Date()) ?? [];
    expect(plain).toMatchObject({
      title: 'Secret db read by alice@example.com',
      severity: Severity.LOW,
      alertType: 'K8S_TestRule',
    });
    const [bad] =
      engine.evaluateRule(
        'test-rule',
        event({ user: { username: 'mallory' } }),
        new Date(),
      ) ?? [];
    expect(bad?.severity).toBe(Severity.CRITICAL);
    expect(
      engine.evaluateRule(
        'test-rule',
        event({ objectRef: { resource: 'secrets', namespace: 'dev' } }),
        new Date(),
      ),
    ).toEqual([]);
    // the index: a list of secrets never meets a rule about get
    expect(
      engine.candidates(event({ verb: 'list' })).map(r => r.doc.id),
    ).not.toContain('test-rule');
  });

  it('lets a later pack append to a list, replace it from a text file, add exceptions and disable a rule', () => {
    const base = pack({ 'x/test-rule.yaml': RULE, 'lists/w.yaml': LIST });
    const appended = loadPacks([
      BUILTIN_PACK_DIR,
      base,
      pack({
        'lists/more.yaml':
          'name: watched_namespaces\nmode: append\nitems: [dev]\n',
      }),
    ]);
    expect(appended.lists['watched_namespaces']).toEqual(['shop', 'dev']);
    const replaced = loadPacks([
      BUILTIN_PACK_DIR,
      base,
      pack({
        'lists/watched-namespaces.txt':
          '# from a feed\nprod\n\nstaging  # comment\n',
      }),
    ]);
    expect(replaced.lists['watched_namespaces']).toEqual(['prod', 'staging']);

    const excepted = createEngine({
      pack: loadPacks([
        BUILTIN_PACK_DIR,
        base,
        pack({
          'exceptions/e.yaml':
            'rule: test-rule\nexceptions:\n  - name: alice is fine\n    fields: [user.username]\n    values: [[alice@example.com]]\n',
        }),
      ]),
      detector: 't',
    });
    expect(excepted.evaluateRule('test-rule', event({}), new Date())).toEqual(
      [],
    );
    const disabled = loadPacks([
      BUILTIN_PACK_DIR,
      base,
      pack({
        'y/test-rule.yaml': RULE.replace(
          'version: 1',
          'version: 2\nenabled: false',
        ),
      }),
    ]);
    expect(disabled.rules.map(r => r.doc.id)).not.toContain('test-rule');
  });

  it.each([
    [
      'an unknown variable',
      {
        'x/test-rule.yaml': RULE.replace(
          'ok && objectRef',
          'ok && usr.name == "" && objectRef',
        ),
        'lists/w.yaml': LIST,
      },
      'condition',
      /invalid CEL: Unknown variable: usr/,
    ],
    [
      'an unknown list',
      { 'x/test-rule.yaml': RULE },
      'condition',
      /unknown list 'watched_namespaces'/,
    ],
    [
      'an id that is not the file name',
      { 'x/other.yaml': RULE, 'lists/w.yaml': LIST },
      'id',
      /must equal the file name 'other', got 'test-rule'/,
    ],
    [
      'a missing field',
      {
        'x/test-rule.yaml': RULE.replace(/remediation:.*\n/, ''),
        'lists/w.yaml': LIST,
      },
      'remediation',
      /./,
    ],
    [
      'an unknown key',
      { 'x/test-rule.yaml': `${RULE}colour: red\n`, 'lists/w.yaml': LIST },
      '',
      /colour/,
    ],
    [
      'broken YAML',
      { 'x/test-rule.yaml': 'id: [', 'lists/w.yaml': LIST },
      '',
      /invalid YAML/,
    ],
    [
      'an exception for an unknown rule',
      {
        'exceptions/e.yaml':
          'rule: nope\nexceptions: [{ name: n, when: "true" }]\n',
      },
      'rule',
      /no rule with id 'nope'/,
    ],
    [
      'a bad title placeholder',
      {
        'x/test-rule.yaml': RULE.replace(
          '{{ user.username }}',
          '{{ actor.name }}',
        ),
        'lists/w.yaml': LIST,
      },
      'title',
      /unknown placeholder/,
    ],
  ])(
    'refuses %s, naming the file and field',
    (_what, files, field, message) => {
      const err = loadError(files);
      expect(err.field).toBe(field);
      expect(err.message).toMatch(message);
      expect(err.message.startsWith(err.file)).toBe(true);
      expect(err.file.startsWith(tmpdir())).toBe(true);
    },
  );
});
