import {
  IdentityClass,
  Outcome,
  Severity,
  type AuditEvent,
} from '@kubeguard/contracts';

import { pathUnder } from '../paths.js';
import type { Rule } from '../rule.js';

/**
 * Endpoints Kubernetes serves to anonymous callers by design (the
 * `system:public-info-viewer` role): health and version probes.
 */
const PUBLIC_ENDPOINTS = [
  '/healthz',
  '/livez',
  '/readyz',
  '/version',
  '/.well-known/oauth-authorization-server',
];

const WRITE_VERBS = new Set([
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
]);

/** An unauthenticated caller got a successful answer from the API server. */
export const anonymousRequestAllowed: Rule = {
  id: 'anonymous-request-allowed',
  alertType: 'K8S_AnonymousRequestAllowed',
  name: 'Anonymous request allowed',
  baseSeverity: Severity.MEDIUM,
  description:
    'The API server answered a request from an unauthenticated caller (system:anonymous or the ' +
    'group system:unauthenticated) with success. Outside the public health and version ' +
    'endpoints this means RBAC grants rights to anonymous users, which anyone who can reach the ' +
    'API server can use.',
  mitre: { tactics: ['TA0001'], techniques: ['T1078.001', 'T1190'] },
  remediation: [
    'Find the RoleBinding or ClusterRoleBinding that grants rights to system:anonymous or system:unauthenticated (the authorization.k8s.io/reason annotation names it) and delete it.',
    'Run the API server with --anonymous-auth=false, or limit anonymous access to health endpoints with an AuthenticationConfiguration.',
    'Review what the caller read or changed from this source IP.',
  ],
  references: [
    'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests',
  ],
  status: 'stable',
  version: 1,
  verbs: [],
  title: event =>
    `Anonymous ${event.verb} of ${describeTarget(event)} allowed from ${event.sourceIps[0] ?? 'an unknown address'}`,
  severity: event =>
    WRITE_VERBS.has(event.verb) ? Severity.HIGH : Severity.MEDIUM,
  match(event) {
    const derived = event.derived;
    if (
      derived?.identity?.class !== IdentityClass.ANONYMOUS ||
      derived.outcome !== Outcome.ALLOWED ||
      pathUnder(event.requestUri, PUBLIC_ENDPOINTS)
    ) {
      return undefined;
    }
    return {
      user: event.user?.username || '(empty)',
      requestUri: event.requestUri,
      decisionReason: event.annotations['authorization.k8s.io/reason'] ?? '',
    };
  },
};

function describeTarget(event: AuditEvent): string {
  const ref = event.objectRef;
  if (!ref || ref.resource === '') {
    return event.requestUri;
  }
  const kind = ref.subresource
    ? `${ref.resource}/${ref.subresource}`
    : ref.resource;
  const name = ref.name ? ` ${ref.name}` : '';
  const where = ref.namespace ? ` in ${ref.namespace}` : '';
  return `${kind}${name}${where}`;
}
