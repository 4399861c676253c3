import { Severity, type Alert } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  createRouteFilter,
  globMatcher,
  testNotification,
} from '../../src/sinks/index.js';
import { sampleAlert, sampleNotification } from './support/fixtures.js';
import { buildSink } from './support/sinks.js';

const accepts = (
  config: Parameters<typeof createRouteFilter>[0],
  alert: Alert,
) => createRouteFilter(config)(sampleNotification('created', alert));

describe('routing', () => {
  it('accepts everything without filters', () => {
    expect(accepts({}, sampleAlert({ severity: Severity.INFO }))).toBe(true);
  });

  it('filters on minimum severity', () => {
    const config = { minSeverity: 'high' as const };
    expect(accepts(config, sampleAlert({ severity: Severity.MEDIUM }))).toBe(
      false,
    );
    expect(accepts(config, sampleAlert({ severity: Severity.HIGH }))).toBe(
      true,
    );
    expect(accepts(config, sampleAlert({ severity: Severity.CRITICAL }))).toBe(
      true,
    );
    expect(
      accepts(config, sampleAlert({ severity: Severity.UNSPECIFIED })),
    ).toBe(false);
  });

  it('filters on rule ids with wildcards', () => {
    const config = { rules: ['rbac-*', 'pod-exec-kube-system'] };
    expect(accepts(config, sampleAlert())).toBe(true);
    expect(
      accepts(config, sampleAlert({ ruleId: 'rbac-cluster-admin-binding' })),
    ).toBe(true);
    expect(accepts(config, sampleAlert({ ruleId: 'secret-read' }))).toBe(false);
  });

  it('filters on clusters', () => {
    const config = { clusters: ['prod-*'] };
    expect(accepts(config, sampleAlert())).toBe(true);
    expect(accepts(config, sampleAlert({ cluster: 'staging' }))).toBe(false);
  });

  it('filters on namespaces; cluster-scoped alerts do not match', () => {
    const config = { namespaces: ['kube-system', 'team-*'] };
    expect(accepts(config, sampleAlert())).toBe(true);
    const target = sampleAlert().target!;
    expect(
      accepts(
        config,
        sampleAlert({ target: { ...target, namespace: 'team-a' } }),
      ),
    ).toBe(true);
    expect(
      accepts(
        config,
        sampleAlert({ target: { ...target, namespace: 'default' } }),
      ),
    ).toBe(false);
    expect(
      accepts(config, sampleAlert({ target: { ...target, namespace: '' } })),
    ).toBe(false);
    expect(accepts(config, sampleAlert({ target: undefined }))).toBe(false);
  });

  it('filters on tags: ATT&CK ids, and the alert’s tags and labels when it has them', () => {
    expect(accepts({ tags: ['TA0002'] }, sampleAlert())).toBe(true);
    expect(accepts({ tags: ['T1609'] }, sampleAlert())).toBe(true);
    expect(accepts({ tags: ['TA0040'] }, sampleAlert())).toBe(false);
    const tagged = { ...sampleAlert(), tags: ['pci', 'secrets'] } as Alert;
    expect(accepts({ tags: ['pci'] }, tagged)).toBe(true);
    const labelled = {
      ...sampleAlert(),
      labels: { team: 'payments' },
    } as unknown as Alert;
    expect(accepts({ tags: ['team=payments'] }, labelled)).toBe(true);
    expect(accepts({ tags: ['team'] }, labelled)).toBe(true);
    expect(accepts({ tags: ['team=search'] }, labelled)).toBe(false);
  });

  it('needs every configured filter to match', () => {
    const config = {
      minSeverity: 'medium' as const,
      clusters: ['prod-east'],
      rules: ['pod-*'],
    };
    expect(accepts(config, sampleAlert())).toBe(true);
    expect(accepts(config, sampleAlert({ cluster: 'prod-west' }))).toBe(false);
    expect(accepts(config, sampleAlert({ severity: Severity.LOW }))).toBe(
      false,
    );
  });

  it('never lets a suppressed alert through', () => {
    expect(accepts({}, sampleAlert({ suppressed: true }))).toBe(false);
    expect(accepts({}, sampleAlert({ suppressed: false }))).toBe(true);
  });

  it('always lets a test notification through', () => {
    const filter = createRouteFilter({
      minSeverity: 'critical',
      clusters: ['nowhere'],
      namespaces: ['none'],
      rules: ['nothing'],
      tags: ['never'],
    });
    expect(filter(testNotification('pd'))).toBe(true);
  });

  it('is what a configured sink accepts', () => {
    const sink = buildSink({
      id: 'hook',
      kind: 'webhook',
      url: 'http://127.0.0.1:1/',
      minSeverity: 'critical',
    });
    expect(sink.accepts(sampleNotification())).toBe(false);
    expect(
      sink.accepts(
        sampleNotification(
          'created',
          sampleAlert({ severity: Severity.CRITICAL }),
        ),
      ),
    ).toBe(true);
  });

  it('matches globs literally apart from *', () => {
    const match = globMatcher(['a.b*', 'x?y']);
    expect(match('a.bc')).toBe(true);
    expect(match('aXbc')).toBe(false);
    expect(match('x?y')).toBe(true);
    expect(match('xzy')).toBe(false);
  });
});
