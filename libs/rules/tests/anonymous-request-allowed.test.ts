import { readFileSync } from 'node:fs';

import { Severity, type AuditEvent } from '@kubeguard/contracts';
import { isRejection, normalizeK8sEvent } from '@kubeguard/audit';
import { describe, expect, it } from 'vitest';

import {
  BUILTIN_PACK_DIR,
  createEngine,
  loadPacks,
  pathIsUnder,
} from '../src/index.js';

const engine = createEngine({
  pack: loadPacks([BUILTIN_PACK_DIR]),
  detector: 'test',
});
const at = new Date('2026-11-20T10:00:00Z');

function event(name: string, patch: Record<string, unknown> = {}): AuditEvent {
  const raw = JSON.parse(
    readFileSync(
      new URL(`../../../fixtures/k8s-audit/${name}`, import.meta.url),
      'utf8',
    ),
  ) as Record<string, unknown>;
  const result = normalizeK8sEvent(
    { ...raw, ...patch },
    { cluster: 'prod', rawBatchId: 'b', index: 0 },
  );
  if (isRejection(result)) {
    throw new Error(result.detail);
  }
  return result;
}

describe('anonymous-request-allowed', () => {
  it('fires on an anonymous list of secrets that RBAC allowed, with the evidence', () => {
    const [detection, ...rest] = engine.evaluate(
      event('anonymous-list-secrets.json'),
      at,
    );
    expect(rest).toEqual([]);
    expect(detection).toMatchObject({
      ruleId: 'anonymous-request-allowed',
      alertType: 'K8S_AnonymousRequestAllowed',
      title:
        'Anonymous list on /api/v1/namespaces/default/secrets allowed from 203.0.113.45',
      severity: Severity.MEDIUM,
      cluster: 'prod',
      mitreTechniques: ['T1078.001', 'T1190'],
      actor: {
        username: 'system:anonymous',
        sourceIps: ['203.0.113.45'],
        userAgent: 'curl/8.5.0',
      },
      target: { verb: 'list', resource: 'secrets', namespace: 'default' },
      evidence: {
        auditIds: ['6f1c5f8e-2f4b-4bb0-9f57-0a3f1f2b7d01'],
        count: 1,
        matched: {
          requestURI: '/api/v1/namespaces/default/secrets',
          authorizationReason:
            'RBAC: allowed by ClusterRoleBinding "anon-read" of ClusterRole "view" to User "system:anonymous"',
        },
      },
      detector: 'test',
      detectedAt: at,
    });
  });

  it('gives the same detection id for the same event and a different one per event', () => {
    const a = engine.evaluate(event('anonymous-list-secrets.json'), at)[0];
    const again = engine.evaluate(
      event('anonymous-list-secrets.json'),
      new Date(),
    )[0];
    const other = engine.evaluate(
      event('anonymous-list-secrets.json', { auditID: 'other' }),
      at,
    )[0];
    expect(a?.detectionId).toMatch(/^[0-9a-f]{32}$/);
    expect(again?.detectionId).toBe(a?.detectionId);
    expect(other?.detectionId).not.toBe(a?.detectionId);
    expect(other?.fingerprint).toBe(a?.fingerprint);
  });

  it('rates anonymous writes high', () => {
    const write = event('anonymous-list-secrets.json', { verb: 'create' });
    expect(engine.evaluate(write, at)[0]?.severity).toBe(Severity.HIGH);
  });

  it('counts the unauthenticated group even under another user name', () => {
    const e = event('anonymous-list-secrets.json', {
      user: { username: 'proxy-user', groups: ['system:unauthenticated'] },
    });
    expect(engine.evaluate(e, at)).toHaveLength(1);
  });

  it.each([
    ['an ordinary authenticated user', 'ordinary-get-pod.json', {}],
    ['the public readiness endpoint', 'anonymous-healthz.json', {}],
    [
      'a refused anonymous request',
      'anonymous-list-secrets.json',
      {
        responseStatus: { code: 403 },
        annotations: { 'authorization.k8s.io/decision': 'forbid' },
      },
    ],
    [
      'a failed anonymous request',
      'anonymous-list-secrets.json',
      { responseStatus: { code: 404 } },
    ],
  ] as const)('does not fire on %s', (_what, name, patch) => {
    expect(engine.evaluate(event(name, patch), at)).toEqual([]);
  });

  it('evaluates one rule by id and tells an unknown id apart', () => {
    expect(
      engine.evaluateRule(
        'anonymous-request-allowed',
        event('anonymous-list-secrets.json'),
        at,
      ),
    ).toHaveLength(1);
    expect(
      engine.evaluateRule(
        'no-such-rule',
        event('anonymous-list-secrets.json'),
        at,
      ),
    ).toBeUndefined();
  });
});

describe('pathIsUnder', () => {
  it('compares whole path segments and ignores the query', () => {
    expect(pathIsUnder('/readyz?verbose', ['/readyz'])).toBe(true);
    expect(pathIsUnder('/readyz/etcd', ['/readyz'])).toBe(true);
    expect(pathIsUnder('/readyzz', ['/readyz'])).toBe(false);
    expect(pathIsUnder('/api/v1/healthz', ['/healthz'])).toBe(false);
    expect(pathIsUnder('/etc/', ['/etc'])).toBe(true);
    expect(pathIsUnder('/etcd', ['/etc/'])).toBe(false);
    expect(pathIsUnder('/', ['/'])).toBe(true);
    expect(pathIsUnder('/var/run/docker.sock', ['/'])).toBe(false);
  });
});
