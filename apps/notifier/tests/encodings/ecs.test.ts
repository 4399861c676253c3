import { Alert, Outcome, Severity } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import { ECS_VERSION, encodeEcs } from '../../src/encodings/index.js';
import { sampleAlert, sampleNotification } from '../sinks/support/fixtures.js';
import { CONTEXT } from './context.js';

describe('ECS encoding', () => {
  it('maps an alert field by field', () => {
    expect(encodeEcs(sampleNotification('created'), CONTEXT)).toEqual({
      '@timestamp': '2025-03-01T10:05:01.500Z',
      message: 'Exec into kube-system/etcd-0 by alice@example.com',
      ecs: { version: '8.11.0' },
      event: {
        kind: 'alert',
        category: ['intrusion_detection'],
        type: ['allowed'],
        severity: 4,
        id: 'sink-a:alt-7f3a:created',
        code: 'K8S_ExecInKubeSystemPod',
        action: 'created',
        outcome: 'success',
        reason: 'A person ran a command inside a kube-system pod.',
        created: '2025-03-01T10:00:01.000Z',
        start: '2025-03-01T10:00:00.000Z',
        end: '2025-03-01T10:05:00.000Z',
        module: 'kubeguard',
        dataset: 'kubeguard.alert',
        provider: 'kubernetes.audit',
      },
      rule: {
        id: 'pod-exec-kube-system',
        name: 'K8S_ExecInKubeSystemPod',
        description: 'A person ran a command inside a kube-system pod.',
        ruleset: 'kubeguard',
      },
      threat: {
        framework: 'MITRE ATT&CK',
        tactic: {
          id: ['TA0002'],
          name: ['Execution'],
          reference: ['https://attack.mitre.org/tactics/TA0002/'],
        },
        technique: {
          id: ['T1609'],
          reference: ['https://attack.mitre.org/techniques/T1609/'],
        },
      },
      orchestrator: {
        type: 'kubernetes',
        cluster: { name: 'prod-east' },
        namespace: 'kube-system',
        resource: { type: 'pods', name: 'etcd-0' },
      },
      user: {
        name: 'alice@example.com',
        group: { name: ['system:authenticated', 'sre'] },
      },
      source: { ip: '203.0.113.7' },
      user_agent: { original: 'kubectl/v1.30.1 (linux/amd64)' },
      related: {
        user: ['alice@example.com'],
        ip: ['203.0.113.7', '10.0.0.4'],
      },
      observer: {
        vendor: 'Kubeguard',
        product: 'Kubeguard',
        version: '9.9.9',
        type: 'ids',
      },
      kubeguard: {
        notification: {
          id: 'sink-a:alt-7f3a:created',
          change: 'created',
          repeats: 1,
        },
        alert: {
          id: 'alt-7f3a',
          fingerprint: 'fp-91c2',
          type: 'K8S_ExecInKubeSystemPod',
          severity: 'high',
          status: 'new',
          outcome: 'allowed',
        },
        evidence: {
          audit_ids: ['audit-1', 'audit-2'],
          count: 2,
          matched: { user: 'alice@example.com' },
        },
        target: { verb: 'create', subresource: 'exec' },
        workload: {
          images: ['registry.k8s.io/etcd:3.5.12-0'],
          privileged: true,
          host_paths: ['/var/lib/etcd'],
          service_account: 'default',
        },
        remediation: [
          'Check why the person needed a shell in a system pod.',
          'Remove pods/exec from their roles if not needed.',
        ],
      },
    });
    expect(ECS_VERSION).toBe('8.11.0');
  });

  it('puts sub-techniques under threat.technique.subtechnique with their parents', () => {
    const doc = encodeEcs(
      sampleNotification(
        'created',
        sampleAlert({
          mitreTactics: ['TA0006', 'TA0004'],
          mitreTechniques: ['T1552.007', 'T1552.001', 'T1611'],
        }),
      ),
      CONTEXT,
    );
    expect(doc['threat']).toEqual({
      framework: 'MITRE ATT&CK',
      tactic: {
        id: ['TA0006', 'TA0004'],
        name: ['Credential Access', 'Privilege Escalation'],
        reference: [
          'https://attack.mitre.org/tactics/TA0006/',
          'https://attack.mitre.org/tactics/TA0004/',
        ],
      },
      technique: {
        id: ['T1552', 'T1611'],
        reference: [
          'https://attack.mitre.org/techniques/T1552/',
          'https://attack.mitre.org/techniques/T1611/',
        ],
        subtechnique: {
          id: ['T1552.007', 'T1552.001'],
          reference: [
            'https://attack.mitre.org/techniques/T1552/007/',
            'https://attack.mitre.org/techniques/T1552/001/',
          ],
        },
      },
    });
  });

  it('maps denied requests, impersonation and a resolved change', () => {
    const alert = sampleAlert({
      outcome: Outcome.DENIED,
      severity: Severity.CRITICAL,
      actor: {
        username: 'alice@example.com',
        groups: [],
        sourceIps: [],
        userAgent: '',
        impersonatedUsername: 'system:admin',
      },
    });
    const doc = encodeEcs(sampleNotification('resolved', alert), CONTEXT);
    const event = doc['event'] as Record<string, unknown>;
    expect(event['type']).toEqual(['denied']);
    expect(event['outcome']).toBe('failure');
    expect(event['severity']).toBe(5);
    expect(event['action']).toBe('resolved');
    expect(doc['user']).toEqual({
      name: 'alice@example.com',
      effective: { name: 'system:admin' },
    });
    expect(doc['related']).toEqual({
      user: ['alice@example.com', 'system:admin'],
    });
    expect(doc).not.toHaveProperty('source');
    expect(doc).not.toHaveProperty('user_agent');
  });

  it('leaves out what a bare alert does not have', () => {
    const doc = encodeEcs(
      { id: 'n', change: 'test', alert: Alert.fromPartial({ ruleId: 'r' }) },
      CONTEXT,
    );
    expect(doc['@timestamp']).toBe('2025-03-01T12:00:00.000Z');
    expect(doc['event']).not.toHaveProperty('severity');
    expect((doc['event'] as Record<string, unknown>)['type']).toEqual(['info']);
    expect(doc['orchestrator']).toEqual({ type: 'kubernetes' });
    for (const absent of ['threat', 'user', 'source', 'user_agent']) {
      expect(doc).not.toHaveProperty(absent);
    }
    expect(doc['rule']).toEqual({ id: 'r', name: 'r', ruleset: 'kubeguard' });
  });
});
