import { BUILTIN_PACK_DIR } from '@kubeguard/rules';
import { describe, expect, it } from 'vitest';

import { rulesListCommand, rulesTestCommand } from '../src/rules-command.js';
import { recordingIo, writeTree } from './support/files.js';

/** A site rule whose `fire` example cannot fire (wrong namespace in the condition). */
const WRONG_RULE = `id: shop-secret-read
alertType: K8S_ShopSecretRead
name: Shop Secret read
title: 'Shop Secret {{ objectRef.name }} read'
description: Reads of Secrets in the shop namespace.
severity: low
mitre: { tactics: [TA0006], techniques: [T1552.007] }
match: { verbs: [get], resources: [secrets] }
condition: ok && objectRef.namespace == 'shoq'
remediation: [Look.]
version: 1
examples:
  fire: [{ name: a shop read, event: { objectRef: { resource: secrets, namespace: shop, name: db } } }]
  quiet: [{ name: a dev read, event: { objectRef: { resource: secrets, namespace: dev, name: db } } }]
`;

describe('kubeguard rules', () => {
  it('lists every rule in force with severity, alert type and techniques', () => {
    const { io, out, err } = recordingIo();
    const count = rulesListCommand([BUILTIN_PACK_DIR], io);
    expect(count).toBeGreaterThan(60);
    expect(out).toHaveLength(count);
    expect(out.find(line => line.startsWith('secret-read-burst '))).toMatch(
      /^secret-read-burst\s+MEDIUM\s+K8S_SecretReadBurst\s+T1552\.007$/,
    );
    expect(err).toEqual([`${String(count)} rules`]);
  });

  it('passes every example of the built-in pack', () => {
    const { io, out } = recordingIo();
    expect(rulesTestCommand([BUILTIN_PACK_DIR], io)).toBe(0);
    expect(out.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  });

  it('names the file and the example of a site rule that does not do what it says', () => {
    const site = writeTree({ 'rules/shop-secret-read.yaml': WRONG_RULE });
    const { io, out } = recordingIo();
    expect(rulesTestCommand([BUILTIN_PACK_DIR, site], io)).toBe(1);
    expect(out.filter(line => line.startsWith('FAIL '))).toEqual([
      expect.stringMatching(
        /^FAIL .*shop-secret-read\.yaml: fire example 'a shop read': /,
      ) as unknown,
    ]);
    expect(out.at(-1)).toMatch(/^\d+ passed, 1 failed$/);
  });
});
