import {
  AddressClass,
  IdentityClass,
  Outcome,
  type ClientAddress,
  type Identity,
  type ResponseStatus,
  type UserInfo,
} from '@kubeguard/contracts';

const ANONYMOUS_USER = 'system:anonymous';
const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const NODE_PREFIX = 'system:node:';

/** Kubernetes' own control-plane components, by the names they authenticate as. */
const CONTROL_PLANE_USERS = new Set([
  'system:apiserver',
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:kube-proxy',
  'system:volume-scheduler',
  'system:addon-manager',
]);

/**
 * Identities that managed platforms run their own agents as (L-ID in the
 * detection catalog), matched exactly or by a platform-owned prefix. Kept
 * narrow on purpose: a blanket `system:*` exclusion hides stolen tokens.
 * EKS: every `eks:` user (node-manager, certificate-controller, ...).
 * AKS: the control-plane client certificates. GKE: `system:gke-*` components
 * and the GKE service agent.
 */
const CLOUD_MANAGED_USERS = new Set([
  'aksService',
  'aks-service',
  'acsService',
  'masterclient',
  'nodeclient',
]);
const CLOUD_MANAGED_PREFIXES = ['eks:', 'system:gke-'];
const CLOUD_MANAGED_SUFFIXES = [
  '@container-engine-robot.iam.gserviceaccount.com',
];

/** Classifies who made a request; the same class for every input format. */
export function deriveIdentity(
  user: UserInfo | undefined,
  impersonated: boolean,
): Identity {
  const username = user?.username ?? '';
  const groups = user?.groups ?? [];
  const identity: Identity = {
    class: IdentityClass.HUMAN,
    serviceAccountNamespace: '',
    serviceAccountName: '',
    nodeName: '',
    impersonated,
  };
  // An empty username is what unauthenticated access looks like in some exports.
  if (
    username === '' ||
    username === ANONYMOUS_USER ||
    groups.includes(UNAUTHENTICATED_GROUP)
  ) {
    identity.class = IdentityClass.ANONYMOUS;
  } else if (username.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    const [namespace = '', name = ''] = username
      .slice(SERVICE_ACCOUNT_PREFIX.length)
      .split(':');
    identity.class = IdentityClass.SERVICE_ACCOUNT;
    identity.serviceAccountNamespace = namespace;
    identity.serviceAccountName = name;
  } else if (username.startsWith(NODE_PREFIX)) {
    identity.class = IdentityClass.NODE;
    identity.nodeName = username.slice(NODE_PREFIX.length);
  } else if (CONTROL_PLANE_USERS.has(username)) {
    identity.class = IdentityClass.CONTROL_PLANE;
  } else if (isCloudManaged(username)) {
    identity.class = IdentityClass.CLOUD_MANAGED;
  }
  return identity;
}

function isCloudManaged(username: string): boolean {
  return (
    CLOUD_MANAGED_USERS.has(username) ||
    CLOUD_MANAGED_PREFIXES.some(prefix => username.startsWith(prefix)) ||
    CLOUD_MANAGED_SUFFIXES.some(suffix => username.endsWith(suffix))
  );
}

/**
 * Whether the request was allowed and succeeded, refused (authentication,
 * authorization or admission), or failed otherwise. An admission rejection
 * is a refusal whatever its code (a ValidatingAdmissionPolicy answers 422).
 */
export function deriveOutcome(
  status: ResponseStatus | undefined,
  annotations: Record<string, string>,
  admissionRejected = false,
): Outcome {
  const code = status?.code ?? 0;
  if (
    admissionRejected ||
    annotations['authorization.k8s.io/decision'] === 'forbid' ||
    code === 401 ||
    code === 403
  ) {
    return Outcome.DENIED;
  }
  if (code === 0) {
    return Outcome.UNSPECIFIED;
  }
  // 101 is the protocol upgrade of exec, attach and port-forward.
  if ((code >= 200 && code < 300) || code === 101) {
    return Outcome.ALLOWED;
  }
  return Outcome.FAILED;
}

/** The first source IP (the rest are proxies on the way) and its class. */
export function deriveClient(sourceIps: readonly string[]): ClientAddress {
  const ip = sourceIps[0] ?? '';
  return { ip, class: classifyAddress(ip) };
}

/** Loopback, private (RFC 1918, CGNAT, link-local, ULA) or public. */
export function classifyAddress(ip: string): AddressClass {
  if (ip === '') {
    return AddressClass.UNSPECIFIED;
  }
  const v4 = parseIpv4(ip.startsWith('::ffff:') ? ip.slice(7) : ip);
  if (v4) {
    const [a, b] = v4;
    if (a === 127) {
      return AddressClass.LOOPBACK;
    }
    const isPrivate =
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254);
    return isPrivate ? AddressClass.PRIVATE : AddressClass.PUBLIC;
  }
  if (!ip.includes(':')) {
    return AddressClass.UNSPECIFIED;
  }
  const lower = ip.toLowerCase();
  if (lower === '::1') {
    return AddressClass.LOOPBACK;
  }
  if (/^f[cd]/.test(lower) || /^fe[89ab]/.test(lower)) {
    return AddressClass.PRIVATE;
  }
  return AddressClass.PUBLIC;
}

function parseIpv4(ip: string): [number, number] | undefined {
  const parts = ip.split('.');
  if (
    parts.length !== 4 ||
    !parts.every(p => /^\d{1,3}$/.test(p) && Number(p) <= 255)
  ) {
    return undefined;
  }
  return [Number(parts[0]), Number(parts[1])];
}
