import { ObjectSource, type RoleView } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import { fixtureEvent, rawEvent } from './fixtures.js';

type Flags = Pick<
  RoleView,
  | 'wildcardVerbs'
  | 'wildcardResources'
  | 'grantsSecretsRead'
  | 'grantsEscalate'
  | 'grantsBind'
  | 'grantsImpersonate'
  | 'grantsPodsExec'
>;

const NO_FLAGS: Flags = {
  wildcardVerbs: false,
  wildcardResources: false,
  grantsSecretsRead: false,
  grantsEscalate: false,
  grantsBind: false,
  grantsImpersonate: false,
  grantsPodsExec: false,
};

/** The role fixture with its rules replaced. */
function roleWith(rules: unknown[]): RoleView | undefined {
  const raw = rawEvent('clusterrole-wildcard.json');
  const role = { ...(raw['requestObject'] as object), rules };
  return fixtureEvent('clusterrole-wildcard.json', {
    requestObject: role,
    responseObject: role,
  }).derived?.role;
}

describe('role view', () => {
  it('reads a ClusterRole with * verbs, its rules, aggregation labels and flags', () => {
    const event = fixtureEvent('clusterrole-wildcard.json');
    expect(event.derived?.role).toEqual({
      source: ObjectSource.REQUEST,
      clusterRole: true,
      namespace: '',
      name: 'ops-everything',
      rules: [
        {
          apiGroups: ['*'],
          resources: ['*'],
          verbs: ['*'],
          resourceNames: [],
          nonResourceUrls: [],
        },
        {
          apiGroups: [],
          resources: [],
          verbs: ['get'],
          resourceNames: [],
          nonResourceUrls: ['/metrics', '/debug/*'],
        },
      ],
      hasAggregationRule: false,
      aggregatesTo: ['admin'],
      wildcardVerbs: true,
      wildcardResources: true,
      grantsSecretsRead: true,
      grantsEscalate: true,
      grantsBind: true,
      grantsImpersonate: true,
      grantsPodsExec: true,
    });
    expect(event.derived?.roleBinding).toBeUndefined();
  });

  it.each([
    [
      'get on secrets',
      [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
      { grantsSecretsRead: true },
    ],
    [
      'watch on named secrets (resourceNames narrow, not remove)',
      [
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: ['db'],
          verbs: ['watch'],
        },
      ],
      { grantsSecretsRead: true },
    ],
    [
      'create on secrets only',
      [{ apiGroups: [''], resources: ['secrets'], verbs: ['create'] }],
      {},
    ],
    [
      'get on secrets in another group',
      [{ apiGroups: ['example.com'], resources: ['secrets'], verbs: ['get'] }],
      {},
    ],
    [
      '* verbs on pods',
      [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }],
      { wildcardVerbs: true },
    ],
    [
      'get on every resource of the core group',
      [{ apiGroups: [''], resources: ['*'], verbs: ['get', 'list'] }],
      {
        wildcardResources: true,
        grantsSecretsRead: true,
        grantsPodsExec: true,
      },
    ],
    [
      'escalate and bind on clusterroles',
      [
        {
          apiGroups: ['rbac.authorization.k8s.io'],
          resources: ['clusterroles'],
          verbs: ['escalate', 'bind'],
        },
      ],
      { grantsEscalate: true, grantsBind: true },
    ],
    [
      'bind on roles in the wrong group',
      [{ apiGroups: [''], resources: ['roles'], verbs: ['bind'] }],
      {},
    ],
    [
      'impersonate on groups',
      [{ apiGroups: [''], resources: ['groups'], verbs: ['impersonate'] }],
      { grantsImpersonate: true },
    ],
    [
      'impersonate on user extras',
      [
        {
          apiGroups: ['authentication.k8s.io'],
          resources: ['userextras/scopes'],
          verbs: ['impersonate'],
        },
      ],
      { grantsImpersonate: true },
    ],
    [
      'create on pods/exec',
      [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }],
      { grantsPodsExec: true },
    ],
    [
      'get on */exec',
      [{ apiGroups: [''], resources: ['*/exec'], verbs: ['get'] }],
      { grantsPodsExec: true },
    ],
    [
      'create on pods (not the exec subresource)',
      [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }],
      {},
    ],
    ['no rules', [], {}],
  ])('flags %s', (_, rules, flags) => {
    expect(roleWith(rules)).toMatchObject({ ...NO_FLAGS, ...flags });
  });

  it('reads a patched role from the response and notes an aggregationRule', () => {
    const aggregated = {
      kind: 'ClusterRole',
      metadata: { name: 'monitoring' },
      aggregationRule: {
        clusterRoleSelectors: [
          {
            matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' },
          },
        ],
      },
      rules: [],
    };
    const role = fixtureEvent('clusterrole-wildcard.json', {
      verb: 'patch',
      requestObject: { aggregationRule: aggregated.aggregationRule },
      responseObject: aggregated,
    }).derived?.role;
    expect(role).toMatchObject({
      source: ObjectSource.RESPONSE,
      name: 'monitoring',
      hasAggregationRule: true,
      aggregatesTo: [],
      rules: [],
    });
  });

  it('is unset for a read or a Metadata-level write', () => {
    expect(
      fixtureEvent('clusterrole-wildcard.json', { verb: 'get' }).derived?.role,
    ).toBeUndefined();
    expect(
      fixtureEvent('clusterrole-wildcard.json', {
        level: 'Metadata',
        requestObject: undefined,
        responseObject: undefined,
      }).derived?.role,
    ).toBeUndefined();
  });
});

describe('role binding view', () => {
  it('reads a ClusterRoleBinding of cluster-admin to system:unauthenticated', () => {
    const event = fixtureEvent(
      'clusterrolebinding-unauthenticated-cluster-admin.json',
    );
    expect(event.derived?.roleBinding).toEqual({
      source: ObjectSource.REQUEST,
      clusterRoleBinding: true,
      namespace: '',
      name: 'open-door',
      subjects: [
        { kind: 'Group', name: 'system:unauthenticated', namespace: '' },
        { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' },
      ],
      roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
      bindsClusterAdmin: true,
      hasAnonymousSubject: true,
      hasAllAuthenticatedSubject: false,
    });
    expect(event.derived?.role).toBeUndefined();
  });

  it.each([
    [
      'the anonymous user',
      [{ kind: 'User', name: 'system:anonymous' }],
      { hasAnonymousSubject: true, hasAllAuthenticatedSubject: false },
    ],
    [
      'every authenticated caller',
      [{ kind: 'Group', name: 'system:authenticated' }],
      { hasAnonymousSubject: false, hasAllAuthenticatedSubject: true },
    ],
    [
      'a user merely named like the group',
      [{ kind: 'User', name: 'system:unauthenticated' }],
      { hasAnonymousSubject: false, hasAllAuthenticatedSubject: false },
    ],
    [
      'an ordinary group',
      [{ kind: 'Group', name: 'ops' }],
      { hasAnonymousSubject: false, hasAllAuthenticatedSubject: false },
    ],
  ])('flags a binding to %s', (_, subjects, flags) => {
    const raw = rawEvent(
      'clusterrolebinding-unauthenticated-cluster-admin.json',
    );
    const binding = { ...(raw['requestObject'] as object), subjects };
    expect(
      fixtureEvent('clusterrolebinding-unauthenticated-cluster-admin.json', {
        requestObject: binding,
      }).derived?.roleBinding,
    ).toMatchObject(flags);
  });

  it('does not call a namespaced Role named cluster-admin cluster-admin', () => {
    const binding = fixtureEvent(
      'clusterrolebinding-unauthenticated-cluster-admin.json',
      {
        objectRef: {
          resource: 'rolebindings',
          namespace: 'shop',
          name: 'sneaky',
          apiGroup: 'rbac.authorization.k8s.io',
        },
        requestObject: {
          kind: 'RoleBinding',
          metadata: { name: 'sneaky', namespace: 'shop' },
          subjects: [{ kind: 'User', name: 'bob' }],
          roleRef: { kind: 'Role', name: 'cluster-admin' },
        },
      },
    ).derived?.roleBinding;
    expect(binding).toMatchObject({
      clusterRoleBinding: false,
      namespace: 'shop',
      name: 'sneaky',
      roleRef: { kind: 'Role', name: 'cluster-admin' },
      bindsClusterAdmin: false,
    });
  });
});
