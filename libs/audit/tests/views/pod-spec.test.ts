import {
  AuditEvent,
  ContainerKind,
  ObjectSource,
  RootStatus,
  WorkloadKind,
  type ContainerView,
  type PodSpecView,
} from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import { REDACTED } from '../../src/index.js';
import { rootStatus } from '../../src/views/pod-spec.js';
import { fixtureEvent, normalized, rawEvent } from './fixtures.js';

/** A container view with every field at its empty value. */
function container(fields: Partial<ContainerView>): ContainerView {
  return {
    name: '',
    kind: ContainerKind.REGULAR,
    image: '',
    command: [],
    args: [],
    privileged: false,
    allowPrivilegeEscalation: undefined,
    runAsUser: undefined,
    runAsNonRoot: undefined,
    runsAsRoot: RootStatus.IMAGE_DEFAULT,
    capabilitiesAdded: [],
    capabilitiesDropped: [],
    procMount: '',
    readOnlyRootFilesystem: false,
    seccompProfileType: '',
    hostProcess: false,
    volumeMounts: [],
    hostPorts: [],
    credentialEnvNames: [],
    targetContainerName: '',
    ...fields,
  };
}

/** A pod-spec view with every field at its empty value. */
function podSpec(fields: Partial<PodSpecView>): PodSpecView {
  return {
    source: ObjectSource.REQUEST,
    workloadKind: WorkloadKind.POD,
    namespace: '',
    name: '',
    serviceAccountName: '',
    hostPid: false,
    hostIpc: false,
    hostNetwork: false,
    shareProcessNamespace: false,
    automountServiceAccountToken: undefined,
    nodeName: '',
    nodeSelector: {},
    tolerationKeys: [],
    containers: [],
    hostPathVolumes: [],
    secretVolumeNames: [],
    tokenVolumeNames: [],
    ...fields,
  };
}

function podSpecs(event: AuditEvent): PodSpecView[] {
  return event.derived?.podSpecs ?? [];
}

describe('pod-spec view', () => {
  it('reads a privileged pod with a writable hostPath of / and pod-level fallbacks', () => {
    const event = fixtureEvent('pod-create-privileged-hostpath.json');
    expect(podSpecs(event)).toEqual([
      podSpec({
        source: ObjectSource.REQUEST,
        workloadKind: WorkloadKind.POD,
        namespace: 'default',
        name: 'node-shell',
        serviceAccountName: 'default',
        hostNetwork: true,
        nodeName: 'worker-3',
        containers: [
          container({
            name: 'shell',
            kind: ContainerKind.REGULAR,
            image: 'docker.io/library/alpine:3.20',
            command: [
              'nsenter',
              '--target',
              '1',
              '--mount',
              '--uts',
              '--ipc',
              '--net',
              '--pid',
              '--',
              'sh',
            ],
            privileged: true,
            runAsUser: 0,
            runsAsRoot: RootStatus.ROOT,
            capabilitiesAdded: ['SYS_PTRACE', 'NET_ADMIN'],
            capabilitiesDropped: ['ALL'],
            seccompProfileType: 'Unconfined',
            volumeMounts: [
              { name: 'host-root', mountPath: '/host', readOnly: false },
              { name: 'tls', mountPath: '/etc/tls', readOnly: true },
            ],
            hostPorts: [2222],
            credentialEnvNames: ['DB_PASSWORD'],
          }),
          container({
            name: 'sidecar',
            image: 'registry.example.com/log-shipper:2.1',
            // Inherited from the pod's securityContext.
            runAsUser: 1000,
            runsAsRoot: RootStatus.NON_ROOT,
            seccompProfileType: 'RuntimeDefault',
            volumeMounts: [
              { name: 'host-root', mountPath: '/host-ro', readOnly: true },
            ],
          }),
        ],
        hostPathVolumes: [
          {
            name: 'host-root',
            path: '/',
            type: 'Directory',
            mountedBy: ['shell', 'sidecar'],
            // One of the two mounts is writable.
            readOnly: false,
          },
        ],
        secretVolumeNames: ['node-shell-tls'],
      }),
    ]);
    expect(podSpecs(event)[0]?.automountServiceAccountToken).toBeUndefined();
  });

  it('reads a deployment template with an init container that adds SYS_ADMIN', () => {
    const event = fixtureEvent('deployment-init-sys-admin.json');
    expect(podSpecs(event)).toEqual([
      podSpec({
        workloadKind: WorkloadKind.DEPLOYMENT,
        namespace: 'shop',
        name: 'web',
        serviceAccountName: 'web',
        automountServiceAccountToken: false,
        nodeSelector: { 'kubernetes.io/os': 'linux', pool: 'frontend' },
        tolerationKeys: ['*', 'dedicated'],
        containers: [
          container({
            name: 'web',
            kind: ContainerKind.REGULAR,
            image:
              'registry.example.com/shop/web@sha256:4f1c0a3b5e2d6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a',
            args: ['--port=8080'],
            allowPrivilegeEscalation: false,
            runAsNonRoot: true,
            runsAsRoot: RootStatus.NON_ROOT,
            capabilitiesDropped: ['ALL'],
            readOnlyRootFilesystem: true,
            seccompProfileType: 'RuntimeDefault',
          }),
          container({
            name: 'setup',
            kind: ContainerKind.INIT,
            image: 'busybox:1.36',
            command: ['sh', '-c', 'mount -t tmpfs none /mnt'],
            allowPrivilegeEscalation: true,
            // The container's false overrides the pod's true.
            runAsNonRoot: false,
            runsAsRoot: RootStatus.IMAGE_DEFAULT,
            capabilitiesAdded: ['SYS_ADMIN'],
            seccompProfileType: 'RuntimeDefault',
          }),
        ],
      }),
    ]);
  });

  it('reads the job template of a cronjob with hostPID', () => {
    const event = fixtureEvent('cronjob-hostpid.json');
    expect(podSpecs(event)).toEqual([
      podSpec({
        workloadKind: WorkloadKind.CRON_JOB,
        namespace: 'ops',
        name: 'nightly',
        hostPid: true,
        containers: [
          container({
            name: 'collect',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'ps -ef'],
            runsAsRoot: RootStatus.IMAGE_DEFAULT,
          }),
        ],
      }),
    ]);
  });

  const debugger_ = {
    name: 'debugger-8kq2x',
    kind: ContainerKind.EPHEMERAL,
    image: 'busybox:1.36',
    capabilitiesAdded: ['SYS_PTRACE'],
    targetContainerName: 'app',
  };

  it.each([
    {
      case: 'a kubectl debug patch, from the stored pod',
      patch: {},
      expected: podSpec({
        source: ObjectSource.RESPONSE,
        namespace: 'shop',
        name: 'cart-7d9f8b6c5-x2k4q',
        serviceAccountName: 'cart',
        containers: [
          container({
            ...debugger_,
            runAsUser: 1001,
            runsAsRoot: RootStatus.NON_ROOT,
          }),
        ],
      }),
    },
    {
      case: 'the patch document when the response was not logged',
      patch: { responseObject: undefined, level: 'Request' },
      expected: podSpec({
        source: ObjectSource.PATCH,
        namespace: 'shop',
        name: 'cart-7d9f8b6c5-x2k4q',
        containers: [container(debugger_)],
      }),
    },
    {
      case: 'an update with the pre-1.23 EphemeralContainers object',
      patch: {
        verb: 'update',
        responseObject: undefined,
        requestObject: {
          kind: 'EphemeralContainers',
          apiVersion: 'v1',
          metadata: { name: 'cart-7d9f8b6c5-x2k4q', namespace: 'shop' },
          ephemeralContainers: [
            {
              name: 'debugger-8kq2x',
              image: 'busybox:1.36',
              targetContainerName: 'app',
              securityContext: { capabilities: { add: ['SYS_PTRACE'] } },
            },
          ],
        },
      },
      expected: podSpec({
        source: ObjectSource.REQUEST,
        namespace: 'shop',
        name: 'cart-7d9f8b6c5-x2k4q',
        containers: [container(debugger_)],
      }),
    },
  ])('reads only the ephemeral containers of $case', ({ patch, expected }) => {
    const event = fixtureEvent('ephemeral-debug-container.json', patch);
    expect(podSpecs(event)).toEqual([expected]);
  });

  it('reads a deployment patch from the response when the request is a JSON patch', () => {
    const event = fixtureEvent('deployment-patch-response-only.json');
    expect(podSpecs(event)).toEqual([
      podSpec({
        source: ObjectSource.RESPONSE,
        workloadKind: WorkloadKind.DEPLOYMENT,
        namespace: 'shop',
        name: 'api',
        serviceAccountName: 'api',
        containers: [
          container({
            name: 'api',
            image: 'registry.example.com/shop/api:5.0.2',
            privileged: true,
            credentialEnvNames: ['STRIPE_SECRET_KEY'],
          }),
        ],
      }),
    ]);
  });

  it('reads a merge patch document as a partial spec', () => {
    const event = fixtureEvent('deployment-patch-response-only.json', {
      responseObject: undefined,
      requestObject: {
        spec: {
          template: {
            spec: { hostNetwork: true, containers: [{ name: 'api' }] },
          },
        },
      },
    });
    expect(podSpecs(event)).toEqual([
      podSpec({
        source: ObjectSource.PATCH,
        workloadKind: WorkloadKind.DEPLOYMENT,
        namespace: 'shop',
        name: 'api',
        hostNetwork: true,
        containers: [container({ name: 'api' })],
      }),
    ]);
  });

  it.each([
    [
      'a get of the pod',
      'pod-create-privileged-hostpath.json',
      { verb: 'get' },
    ],
    [
      'a delete of the pod',
      'pod-create-privileged-hostpath.json',
      { verb: 'delete' },
    ],
    [
      'a pods/status update',
      'pod-create-privileged-hostpath.json',
      {
        verb: 'update',
        objectRef: {
          resource: 'pods',
          namespace: 'default',
          name: 'node-shell',
          subresource: 'status',
        },
      },
    ],
    [
      'a custom resource that is also called deployments',
      'deployment-init-sys-admin.json',
      {
        objectRef: {
          resource: 'deployments',
          namespace: 'shop',
          name: 'web',
          apiGroup: 'apps.example.com',
        },
      },
    ],
    [
      'a Metadata-level create (no objects logged)',
      'deployment-init-sys-admin.json',
      { level: 'Metadata', requestObject: undefined },
    ],
    [
      'a JSON patch whose response was not logged',
      'deployment-patch-response-only.json',
      { responseObject: undefined },
    ],
    [
      'a failed create whose only object is the error Status',
      'pod-security-denied.json',
      { requestObject: undefined },
    ],
    ['an exec', 'exec-cat-shadow.json', {}],
  ])('is empty for %s', (_, name, patch) => {
    expect(podSpecs(fixtureEvent(name, patch))).toEqual([]);
  });
});

describe('rootStatus', () => {
  it.each([
    [0, undefined, RootStatus.ROOT],
    [0, false, RootStatus.ROOT],
    [0, true, RootStatus.NON_ROOT],
    [1000, undefined, RootStatus.NON_ROOT],
    [1000, false, RootStatus.NON_ROOT],
    [undefined, true, RootStatus.NON_ROOT],
    [undefined, false, RootStatus.IMAGE_DEFAULT],
    [undefined, undefined, RootStatus.IMAGE_DEFAULT],
  ] as const)(
    'runAsUser %s, runAsNonRoot %s is %s',
    (user, nonRoot, expected) => {
      expect(rootStatus(user, nonRoot)).toBe(expected);
    },
  );
});

describe('credential env values', () => {
  const secrets = [
    'Tr0ub4dor-and-3-horses',
    'xyzzy-plover-99',
    'hunter2-again',
    'sk_live_51Hx-not-a-real-key',
  ];

  function withExtraEnv(): Record<string, unknown> {
    const raw = rawEvent('pod-create-privileged-hostpath.json');
    // Names that only this view's pattern catches get their values replaced too.
    for (const key of ['requestObject', 'responseObject']) {
      const pod = raw[key] as {
        spec: { containers: { env?: unknown[] }[] };
      };
      pod.spec.containers[1]!.env = [
        { name: 'ENCRYPTION_KEY', value: 'xyzzy-plover-99' },
        { name: 'DB_PWD', value: 'hunter2-again' },
      ];
    }
    return raw;
  }

  it.each([
    ['a pod create (request and response)', withExtraEnv()],
    [
      'a deployment patch (response)',
      rawEvent('deployment-patch-response-only.json'),
    ],
  ])(
    'never appear in the encoded AuditEvent of %s, only their names do',
    (_, raw) => {
      const event = normalized(raw);
      const bytes = Buffer.from(AuditEvent.encode(event).finish());
      for (const secret of secrets) {
        expect(bytes.includes(secret)).toBe(false);
      }
      expect(bytes.includes(REDACTED)).toBe(true);
      expect(event.redacted).toBe(true);
      const names = podSpecs(event).flatMap(spec =>
        spec.containers.flatMap(c => c.credentialEnvNames),
      );
      expect(names.length).toBeGreaterThan(0);
    },
  );

  it('lists every credential-named literal var, not valueFrom or other names', () => {
    const event = normalized(withExtraEnv());
    expect(
      podSpecs(event)[0]?.containers.map(c => c.credentialEnvNames),
    ).toEqual([['DB_PASSWORD'], ['ENCRYPTION_KEY', 'DB_PWD']]);
    const request = JSON.parse(event.requestObjectJson.toString()) as {
      spec: { containers: { env: { name: string; value?: string }[] }[] };
    };
    expect(request.spec.containers[0]?.env).toEqual([
      { name: 'DB_PASSWORD', value: REDACTED },
      {
        name: 'API_TOKEN',
        valueFrom: { secretKeyRef: { name: 'api', key: 'token' } },
      },
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
  });
});
