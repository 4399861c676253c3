import {
  type PolicyRuleView,
  type RoleBindingView,
  type RoleView,
  type SubjectView,
} from '@kubeguard/contracts';

import {
  child,
  list,
  objectName,
  record,
  str,
  strings,
  writtenObject,
  type WriteInput,
} from './accessors.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const AGGREGATE_LABEL = 'rbac.authorization.k8s.io/aggregate-to-';
const NONE: readonly unknown[] = [];

/** What the RBAC views read from one event. */
export type RbacInput = WriteInput;

/** The rules of a Role or ClusterRole being written, with risk flags. */
export function roleView(input: RbacInput): RoleView | undefined {
  const ref = input.objectRef;
  const picked = writtenObject(input, ['roles', 'clusterroles'], RBAC_GROUP);
  if (picked === undefined) {
    return undefined;
  }
  const { object } = picked;
  const rules: PolicyRuleView[] = [];
  for (const item of list(object['rules']) ?? NONE) {
    const rule = record(item);
    if (rule !== undefined) {
      rules.push({
        apiGroups: strings(rule['apiGroups']),
        resources: strings(rule['resources']),
        verbs: strings(rule['verbs']),
        resourceNames: strings(rule['resourceNames']),
        nonResourceUrls: strings(rule['nonResourceURLs']),
      });
    }
  }
  const grants = (
    verbs: readonly string[],
    groups: readonly string[],
    resources: readonly (readonly [string, string])[],
  ): boolean => rules.some(rule => ruleGrants(rule, verbs, groups, resources));
  return {
    source: picked.source,
    clusterRole: ref?.resource === 'clusterroles',
    ...objectName(object, ref),
    rules,
    hasAggregationRule: record(object['aggregationRule']) !== undefined,
    aggregatesTo: aggregatesTo(object),
    wildcardVerbs: rules.some(rule => rule.verbs.includes('*')),
    wildcardResources: rules.some(rule => rule.resources.includes('*')),
    grantsSecretsRead: grants(
      ['get', 'list', 'watch'],
      [''],
      [['secrets', '']],
    ),
    grantsEscalate: grants(['escalate'], [RBAC_GROUP], ROLE_RESOURCES),
    grantsBind: grants(['bind'], [RBAC_GROUP], ROLE_RESOURCES),
    grantsImpersonate: grants(
      ['impersonate'],
      ['', 'authentication.k8s.io'],
      IMPERSONABLE,
    ),
    grantsPodsExec: grants(['create', 'get'], [''], [['pods', 'exec']]),
  };
}

const ROLE_RESOURCES: readonly (readonly [string, string])[] = [
  ['roles', ''],
  ['clusterroles', ''],
];

const IMPERSONABLE: readonly (readonly [string, string])[] = [
  ['users', ''],
  ['groups', ''],
  ['serviceaccounts', ''],
  ['uids', ''],
  ['userextras', '*'],
];

/**
 * Whether a rule allows one of the verbs on one of the (resource,
 * subresource) pairs in one of the groups, with RBAC's own matching: `*`
 * matches every verb, group and resource, and `*\/<sub>` every resource's
 * subresource. A subresource of `*` stands for "any subresource" (e.g.
 * `userextras/<key>`). resourceNames only narrow the grant; they do not
 * remove it.
 */
function ruleGrants(
  rule: PolicyRuleView,
  verbs: readonly string[],
  groups: readonly string[],
  resources: readonly (readonly [string, string])[],
): boolean {
  const verbOk =
    rule.verbs.includes('*') || verbs.some(verb => rule.verbs.includes(verb));
  const groupOk =
    rule.apiGroups.includes('*') ||
    groups.some(group => rule.apiGroups.includes(group));
  return (
    verbOk &&
    groupOk &&
    resources.some(([resource, subresource]) =>
      rule.resources.some(granted =>
        resourceMatches(granted, resource, subresource),
      ),
    )
  );
}

function resourceMatches(
  granted: string,
  resource: string,
  subresource: string,
): boolean {
  if (granted === '*') {
    return true;
  }
  if (subresource === '') {
    return granted === resource;
  }
  if (subresource === '*') {
    return granted.startsWith(`${resource}/`);
  }
  return (
    granted === `${resource}/${subresource}` || granted === `*/${subresource}`
  );
}

function aggregatesTo(object: Record<string, unknown>): string[] {
  const out: string[] = [];
  const labels = child(child(object, 'metadata'), 'labels');
  if (labels !== undefined) {
    for (const key in labels) {
      if (key.startsWith(AGGREGATE_LABEL) && labels[key] === 'true') {
        out.push(key.slice(AGGREGATE_LABEL.length));
      }
    }
  }
  return out;
}

/** The subjects and role of a RoleBinding or ClusterRoleBinding being written. */
export function roleBindingView(input: RbacInput): RoleBindingView | undefined {
  const ref = input.objectRef;
  const picked = writtenObject(
    input,
    ['rolebindings', 'clusterrolebindings'],
    RBAC_GROUP,
  );
  if (picked === undefined) {
    return undefined;
  }
  const { object } = picked;
  const subjects: SubjectView[] = [];
  for (const item of list(object['subjects']) ?? NONE) {
    const subject = record(item);
    if (subject !== undefined) {
      subjects.push({
        kind: str(subject['kind']),
        name: str(subject['name']),
        namespace: str(subject['namespace']),
      });
    }
  }
  const roleRef = child(object, 'roleRef');
  const roleKind = str(roleRef?.['kind']);
  const roleName = str(roleRef?.['name']);
  return {
    source: picked.source,
    clusterRoleBinding: ref?.resource === 'clusterrolebindings',
    ...objectName(object, ref),
    subjects,
    roleRef:
      roleRef === undefined ? undefined : { kind: roleKind, name: roleName },
    bindsClusterAdmin:
      roleKind === 'ClusterRole' && roleName === 'cluster-admin',
    hasAnonymousSubject: subjects.some(
      s =>
        (s.kind === 'User' && s.name === 'system:anonymous') ||
        (s.kind === 'Group' && s.name === 'system:unauthenticated'),
    ),
    hasAllAuthenticatedSubject: subjects.some(
      s => s.kind === 'Group' && s.name === 'system:authenticated',
    ),
  };
}
