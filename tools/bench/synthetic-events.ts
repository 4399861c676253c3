/**
 * Deterministic synthetic audit events for benchmarks, shaped like the
 * measurements in shared/design/performance.md: ~1 KB Metadata events and
 * ~5 KB RequestResponse pod creates.
 */

/** A small seeded PRNG (mulberry32), so every run measures the same input. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USERS = [
  [
    'system:serviceaccount:kube-system:replicaset-controller',
    [
      'system:serviceaccounts',
      'system:serviceaccounts:kube-system',
      'system:authenticated',
    ],
  ],
  [
    'system:node:ip-10-0-12-34.ec2.internal',
    ['system:nodes', 'system:authenticated'],
  ],
  ['system:kube-scheduler', ['system:authenticated']],
  ['alice@example.com', ['developers', 'system:authenticated']],
  [
    'system:serviceaccount:argocd:argocd-application-controller',
    ['system:serviceaccounts', 'system:authenticated'],
  ],
] as const;
const RESOURCES = [
  'pods',
  'configmaps',
  'secrets',
  'deployments',
  'services',
  'endpoints',
  'leases',
  'events',
];
const NAMESPACES = [
  'default',
  'kube-system',
  'shop',
  'payments',
  'argocd',
  'monitoring',
];
const VERBS = ['get', 'list', 'watch', 'get', 'list', 'update', 'patch'];

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

function uuid(rnd: () => number): string {
  const hex = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join(
      '',
    );
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

function stamp(rnd: () => number): string {
  const micros = String(Math.floor(rnd() * 1e6)).padStart(6, '0');
  return `2026-11-20T09:${String(Math.floor(rnd() * 60)).padStart(2, '0')}:${String(Math.floor(rnd() * 60)).padStart(2, '0')}.${micros}Z`;
}

/** A Metadata-level event (~1 KB). */
export function metadataEvent(rnd: () => number): Record<string, unknown> {
  const [username, groups] = pick(rnd, USERS);
  const resource = pick(rnd, RESOURCES);
  const namespace = pick(rnd, NAMESPACES);
  const verb = pick(rnd, VERBS);
  const name =
    verb === 'list' || verb === 'watch'
      ? ''
      : `${resource.slice(0, -1)}-${uuid(rnd).slice(0, 8)}`;
  const denied = rnd() < 0.05;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: uuid(rnd),
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/${namespace}/${resource}${name ? `/${name}` : '?limit=500&resourceVersion=0'}`,
    verb,
    user: { username, uid: uuid(rnd), groups: [...groups] },
    sourceIPs: [
      `10.0.${String(Math.floor(rnd() * 255))}.${String(Math.floor(rnd() * 255))}`,
    ],
    userAgent:
      'kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:replicaset-controller',
    objectRef: {
      resource,
      namespace,
      ...(name ? { name } : {}),
      apiVersion: 'v1',
    },
    responseStatus: denied
      ? {
          metadata: {},
          status: 'Failure',
          message: `${resource} is forbidden: User cannot ${verb} resource`,
          reason: 'Forbidden',
          code: 403,
        }
      : { metadata: {}, code: 200 },
    requestReceivedTimestamp: stamp(rnd),
    stageTimestamp: stamp(rnd),
    annotations: {
      'authorization.k8s.io/decision': denied ? 'forbid' : 'allow',
      'authorization.k8s.io/reason': denied
        ? ''
        : 'RBAC: allowed by ClusterRoleBinding "system:controller:replicaset-controller" of ClusterRole "system:controller:replicaset-controller" to ServiceAccount "replicaset-controller/kube-system"',
    },
  };
}

/** A RequestResponse pod create (~5 KB) with a full pod spec. */
export function podCreateEvent(rnd: () => number): Record<string, unknown> {
  const namespace = pick(rnd, NAMESPACES);
  const name = `web-${uuid(rnd).slice(0, 10)}`;
  const privileged = rnd() < 0.1;
  const container = (n: number): Record<string, unknown> => ({
    name: `app-${String(n)}`,
    image: `registry.example.com/shop/app-${String(n)}:1.${String(Math.floor(rnd() * 40))}.0`,
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'DB_HOST', value: 'db.payments.svc.cluster.local' },
      {
        name: 'DB_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'db', key: 'password' } },
      },
    ],
    resources: {
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '100m', memory: '128Mi' },
    },
    volumeMounts: [
      {
        name: 'kube-api-access-abcde',
        readOnly: true,
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      },
      { name: 'config', mountPath: '/etc/app' },
    ],
    livenessProbe: {
      httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
      initialDelaySeconds: 5,
      periodSeconds: 10,
    },
    securityContext: privileged
      ? { privileged: true, runAsUser: 0 }
      : {
          allowPrivilegeEscalation: false,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        },
  });
  const spec = {
    containers: [container(1), ...(rnd() < 0.5 ? [container(2)] : [])],
    serviceAccountName: 'web',
    volumes: [
      { name: 'config', configMap: { name: 'web-config' } },
      {
        name: 'kube-api-access-abcde',
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            {
              configMap: {
                name: 'kube-root-ca.crt',
                items: [{ key: 'ca.crt', path: 'ca.crt' }],
              },
            },
          ],
        },
      },
      ...(rnd() < 0.05
        ? [{ name: 'host', hostPath: { path: '/', type: '' } }]
        : []),
    ],
    tolerations: [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ],
    hostNetwork: rnd() < 0.05,
    nodeSelector: { 'kubernetes.io/os': 'linux' },
  };
  const metadata = {
    name,
    namespace,
    labels: { app: 'web', 'pod-template-hash': '7d9f8b6c5' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-7d9f8b6c5',
        uid: uuid(rnd),
        controller: true,
      },
    ],
  };
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: uuid(rnd),
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/${namespace}/pods`,
    verb: 'create',
    user: {
      username: 'system:serviceaccount:kube-system:replicaset-controller',
      uid: uuid(rnd),
      groups: [
        'system:serviceaccounts',
        'system:serviceaccounts:kube-system',
        'system:authenticated',
      ],
    },
    sourceIPs: ['10.0.0.12'],
    userAgent:
      'kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/system:serviceaccount:kube-system:replicaset-controller',
    objectRef: { resource: 'pods', namespace, name, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestObject: { kind: 'Pod', apiVersion: 'v1', metadata, spec },
    // As the API server answers: the stored object, defaults filled in
    // (managedFields left out, as deploy/audit-policy.yaml asks).
    responseObject: {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        ...metadata,
        uid: uuid(rnd),
        resourceVersion: '123456',
        creationTimestamp: '2026-11-20T09:00:00Z',
      },
      spec: {
        ...spec,
        containers: spec.containers.map(c => ({
          ...c,
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        })),
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        serviceAccount: 'web',
        securityContext: {},
        schedulerName: 'default-scheduler',
        priority: 0,
        enableServiceLinks: true,
        preemptionPolicy: 'PreemptLowerPriority',
      },
      status: { phase: 'Pending', qosClass: 'Burstable' },
    },
    requestReceivedTimestamp: stamp(rnd),
    stageTimestamp: stamp(rnd),
    annotations: {
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason':
        'RBAC: allowed by ClusterRoleBinding "system:controller:replicaset-controller"',
      'pod-security.kubernetes.io/enforce-policy': 'baseline:latest',
      'mutation.webhook.admission.k8s.io/round_0_index_0':
        '{"configuration":"istio-sidecar-injector","webhook":"namespace.sidecar-injector.istio.io","mutated":false}',
    },
  };
}

/** A RequestResponse RBAC write: a RoleBinding or ClusterRoleBinding create. */
export function bindingCreateEvent(rnd: () => number): Record<string, unknown> {
  const cluster = rnd() < 0.3;
  const resource = cluster ? 'clusterrolebindings' : 'rolebindings';
  const namespace = cluster ? undefined : pick(rnd, NAMESPACES);
  const name = `binding-${uuid(rnd).slice(0, 8)}`;
  const role = pick(rnd, [
    'view',
    'edit',
    'admin',
    'cluster-admin',
    'app-reader',
  ]);
  const binding = {
    kind: cluster ? 'ClusterRoleBinding' : 'RoleBinding',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    subjects: [
      {
        kind: 'ServiceAccount',
        name: 'app',
        namespace: namespace ?? 'default',
      },
    ],
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: role,
    },
  };
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'RequestResponse',
    auditID: uuid(rnd),
    stage: 'ResponseComplete',
    requestURI: `/apis/rbac.authorization.k8s.io/v1/${namespace ? `namespaces/${namespace}/` : ''}${resource}`,
    verb: 'create',
    user: {
      username: 'alice@example.com',
      groups: ['developers', 'system:authenticated'],
    },
    sourceIPs: ['10.0.3.4'],
    userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
    objectRef: {
      resource,
      ...(namespace ? { namespace } : {}),
      name,
      apiGroup: 'rbac.authorization.k8s.io',
      apiVersion: 'v1',
    },
    responseStatus: { metadata: {}, code: 201 },
    requestObject: binding,
    responseObject: binding,
    requestReceivedTimestamp: stamp(rnd),
    stageTimestamp: stamp(rnd),
    annotations: {
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason': 'RBAC: allowed',
    },
  };
}
