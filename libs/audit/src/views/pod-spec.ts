import {
  ContainerKind,
  RootStatus,
  WorkloadKind,
  type ContainerView,
  type HostPathVolume,
  type ObjectRef,
  type PodSpecView,
  type VolumeMountView,
} from '@kubeguard/contracts';

import { isCredentialEnv } from '../redact.js';
import {
  child,
  groupIs,
  isTrue,
  isWriteVerb,
  list,
  objectName,
  optBool,
  optInt,
  optString,
  pickObject,
  record,
  str,
  stringMap,
  strings,
} from './accessors.js';

/** Where a workload kind keeps its pod spec. */
type SpecPath = 'spec' | 'template' | 'jobTemplate';

interface WorkloadShape {
  readonly kind: WorkloadKind;
  /** API groups the resource lives in; none for the core group. */
  readonly groups: readonly string[];
  readonly path: SpecPath;
}

const WORKLOADS: ReadonlyMap<string, WorkloadShape> = new Map([
  ['pods', { kind: WorkloadKind.POD, groups: [], path: 'spec' }],
  [
    'deployments',
    {
      kind: WorkloadKind.DEPLOYMENT,
      groups: ['apps', 'extensions'],
      path: 'template',
    },
  ],
  [
    'daemonsets',
    {
      kind: WorkloadKind.DAEMON_SET,
      groups: ['apps', 'extensions'],
      path: 'template',
    },
  ],
  [
    'statefulsets',
    { kind: WorkloadKind.STATEFUL_SET, groups: ['apps'], path: 'template' },
  ],
  [
    'replicasets',
    {
      kind: WorkloadKind.REPLICA_SET,
      groups: ['apps', 'extensions'],
      path: 'template',
    },
  ],
  [
    'replicationcontrollers',
    { kind: WorkloadKind.REPLICATION_CONTROLLER, groups: [], path: 'template' },
  ],
  ['jobs', { kind: WorkloadKind.JOB, groups: ['batch'], path: 'template' }],
  [
    'cronjobs',
    { kind: WorkloadKind.CRON_JOB, groups: ['batch'], path: 'jobTemplate' },
  ],
] as const);

const NONE: readonly unknown[] = [];

/** What the pod-spec view reads from one event. */
export interface PodSpecInput {
  readonly verb: string;
  readonly objectRef: ObjectRef | undefined;
  readonly requestObject: unknown;
  readonly responseObject: unknown;
}

/**
 * The pod specs a write request carries (PS in the detection catalog): the
 * spec of a pod, the pod template of a controller, the job template of a
 * cronjob, or only the ephemeral containers of pods/ephemeralcontainers.
 * Reads objects that `redactObject` has already masked, so a view never
 * points at a clear credential.
 */
export function podSpecViews(input: PodSpecInput): PodSpecView[] {
  const ref = input.objectRef;
  if (ref === undefined || !isWriteVerb(input.verb)) {
    return [];
  }
  const shape = WORKLOADS.get(ref.resource);
  const ephemeralOnly = ref.subresource === 'ephemeralcontainers';
  if (
    shape === undefined ||
    !groupIs(ref.apiGroup, ...shape.groups) ||
    (ref.subresource !== '' &&
      !(ephemeralOnly && shape.kind === WorkloadKind.POD))
  ) {
    return [];
  }
  const picked = pickObject(
    input.verb,
    input.requestObject,
    input.responseObject,
  );
  const spec =
    picked === undefined ? undefined : specOf(picked.object, shape.path);
  if (picked === undefined || spec === undefined) {
    return [];
  }
  const { namespace, name } = objectName(picked.object, ref);
  const containers = containerViews(spec, ephemeralOnly);
  const volumes = volumeFacts(spec, containers);
  const view: PodSpecView = {
    source: picked.source,
    workloadKind: shape.kind,
    namespace,
    name,
    serviceAccountName:
      optString(spec['serviceAccountName']) || str(spec['serviceAccount']),
    hostPid: isTrue(spec['hostPID']),
    hostIpc: isTrue(spec['hostIPC']),
    hostNetwork: isTrue(spec['hostNetwork']),
    shareProcessNamespace: isTrue(spec['shareProcessNamespace']),
    automountServiceAccountToken: optBool(spec['automountServiceAccountToken']),
    nodeName: str(spec['nodeName']),
    nodeSelector: stringMap(spec['nodeSelector']),
    tolerationKeys: tolerationKeys(spec['tolerations']),
    containers,
    hostPathVolumes: volumes.hostPaths,
    secretVolumeNames: volumes.secrets,
    tokenVolumeNames: volumes.tokens,
  };
  return [view];
}

/**
 * The pod spec inside a workload object. The ephemeralcontainers subresource
 * of API servers before 1.23 took an `EphemeralContainers` object that holds
 * the list at its top level; it reads as a spec with only that list.
 */
function specOf(
  object: Record<string, unknown> | undefined,
  path: SpecPath,
): Record<string, unknown> | undefined {
  if (object === undefined) {
    return undefined;
  }
  if (object['kind'] === 'EphemeralContainers') {
    return object;
  }
  const spec = child(object, 'spec');
  switch (path) {
    case 'spec':
      return spec;
    case 'template':
      return child(child(spec, 'template'), 'spec');
    case 'jobTemplate':
      return child(
        child(child(child(spec, 'jobTemplate'), 'spec'), 'template'),
        'spec',
      );
  }
}

const CONTAINER_LISTS: readonly (readonly [string, ContainerKind])[] = [
  ['containers', ContainerKind.REGULAR],
  ['initContainers', ContainerKind.INIT],
  ['ephemeralContainers', ContainerKind.EPHEMERAL],
];

function containerViews(
  spec: Record<string, unknown>,
  ephemeralOnly: boolean,
): ContainerView[] {
  const podContext = child(spec, 'securityContext');
  const out: ContainerView[] = [];
  for (const [key, kind] of CONTAINER_LISTS) {
    if (ephemeralOnly && kind !== ContainerKind.EPHEMERAL) {
      continue;
    }
    for (const item of list(spec[key]) ?? NONE) {
      const container = record(item);
      if (container !== undefined) {
        out.push(containerView(container, kind, podContext));
      }
    }
  }
  return out;
}

function containerView(
  container: Record<string, unknown>,
  kind: ContainerKind,
  podContext: Record<string, unknown> | undefined,
): ContainerView {
  const context = child(container, 'securityContext');
  const capabilities = child(context, 'capabilities');
  const runAsUser =
    optInt(context?.['runAsUser']) ?? optInt(podContext?.['runAsUser']);
  const runAsNonRoot =
    optBool(context?.['runAsNonRoot']) ?? optBool(podContext?.['runAsNonRoot']);
  return {
    name: str(container['name']),
    kind,
    image: str(container['image']),
    command: strings(container['command']),
    args: strings(container['args']),
    privileged: isTrue(context?.['privileged']),
    allowPrivilegeEscalation: optBool(context?.['allowPrivilegeEscalation']),
    runAsUser,
    runAsNonRoot,
    runsAsRoot: rootStatus(runAsUser, runAsNonRoot),
    capabilitiesAdded: capabilityNames(capabilities?.['add']),
    capabilitiesDropped: capabilityNames(capabilities?.['drop']),
    procMount: str(context?.['procMount']),
    readOnlyRootFilesystem: isTrue(context?.['readOnlyRootFilesystem']),
    seccompProfileType:
      optString(child(context, 'seccompProfile')?.['type']) ??
      str(child(podContext, 'seccompProfile')?.['type']),
    hostProcess:
      (optBool(child(context, 'windowsOptions')?.['hostProcess']) ??
        optBool(child(podContext, 'windowsOptions')?.['hostProcess'])) === true,
    volumeMounts: volumeMounts(container['volumeMounts']),
    hostPorts: hostPorts(container['ports']),
    credentialEnvNames: credentialEnvNames(container['env']),
    targetContainerName: str(container['targetContainerName']),
  };
}

/**
 * Root or not, from the effective runAsUser and runAsNonRoot: runAsNonRoot
 * true wins (the kubelet refuses to start the container as UID 0); otherwise
 * UID 0 is root, another UID is not, and no UID leaves it to the image.
 */
export function rootStatus(
  runAsUser: number | undefined,
  runAsNonRoot: boolean | undefined,
): RootStatus {
  if (runAsNonRoot === true) {
    return RootStatus.NON_ROOT;
  }
  if (runAsUser === undefined) {
    return RootStatus.IMAGE_DEFAULT;
  }
  return runAsUser === 0 ? RootStatus.ROOT : RootStatus.NON_ROOT;
}

/** Capability names upper-cased and without `CAP_`, as the catalog compares them. */
function capabilityNames(value: unknown): string[] {
  const out: string[] = [];
  for (const item of list(value) ?? NONE) {
    if (typeof item === 'string' && item !== '') {
      const upper = item.trim().toUpperCase();
      out.push(upper.startsWith('CAP_') ? upper.slice(4) : upper);
    }
  }
  return out;
}

function volumeMounts(value: unknown): VolumeMountView[] {
  const out: VolumeMountView[] = [];
  for (const item of list(value) ?? NONE) {
    const mount = record(item);
    if (mount !== undefined) {
      out.push({
        name: str(mount['name']),
        mountPath: str(mount['mountPath']),
        readOnly: isTrue(mount['readOnly']),
      });
    }
  }
  return out;
}

function hostPorts(value: unknown): number[] {
  const out: number[] = [];
  for (const item of list(value) ?? NONE) {
    const port = optInt(record(item)?.['hostPort']);
    if (port !== undefined && port > 0) {
      out.push(port);
    }
  }
  return out;
}

/** Names only: the values never leave this function. */
function credentialEnvNames(value: unknown): string[] {
  const out: string[] = [];
  for (const item of list(value) ?? NONE) {
    const entry = record(item);
    const name = optString(entry?.['name']);
    const literal = entry?.['value'];
    if (
      name !== undefined &&
      typeof literal === 'string' &&
      literal !== '' &&
      isCredentialEnv(name, literal)
    ) {
      out.push(name);
    }
  }
  return out;
}

function tolerationKeys(value: unknown): string[] {
  const out: string[] = [];
  for (const item of list(value) ?? NONE) {
    const toleration = record(item);
    if (toleration === undefined) {
      continue;
    }
    const key = str(toleration['key']);
    if (key !== '') {
      out.push(key);
    } else if (toleration['operator'] === 'Exists') {
      out.push('*');
    }
  }
  return out;
}

interface VolumeFacts {
  hostPaths: HostPathVolume[];
  secrets: string[];
  tokens: string[];
}

function volumeFacts(
  spec: Record<string, unknown>,
  containers: readonly ContainerView[],
): VolumeFacts {
  const facts: VolumeFacts = { hostPaths: [], secrets: [], tokens: [] };
  for (const item of list(spec['volumes']) ?? NONE) {
    const volume = record(item);
    if (volume === undefined) {
      continue;
    }
    const name = str(volume['name']);
    const hostPath = child(volume, 'hostPath');
    if (hostPath !== undefined) {
      facts.hostPaths.push(hostPathVolume(name, hostPath, containers));
    }
    const secretName = optString(child(volume, 'secret')?.['secretName']);
    if (secretName !== undefined && secretName !== '') {
      facts.secrets.push(secretName);
    }
    const sources = list(child(volume, 'projected')?.['sources']) ?? NONE;
    let mintsToken = false;
    for (const sourceItem of sources) {
      const source = record(sourceItem);
      const projectedSecret = optString(child(source, 'secret')?.['name']);
      if (projectedSecret !== undefined && projectedSecret !== '') {
        facts.secrets.push(projectedSecret);
      }
      mintsToken ||= child(source, 'serviceAccountToken') !== undefined;
    }
    if (mintsToken) {
      facts.tokens.push(name);
    }
  }
  return facts;
}

function hostPathVolume(
  name: string,
  hostPath: Record<string, unknown>,
  containers: readonly ContainerView[],
): HostPathVolume {
  const mountedBy: string[] = [];
  let readOnly = true;
  for (const container of containers) {
    for (const mount of container.volumeMounts) {
      if (mount.name === name) {
        if (!mountedBy.includes(container.name)) {
          mountedBy.push(container.name);
        }
        readOnly &&= mount.readOnly;
      }
    }
  }
  return {
    name,
    path: str(hostPath['path']),
    type: str(hostPath['type']),
    mountedBy,
    readOnly,
  };
}
