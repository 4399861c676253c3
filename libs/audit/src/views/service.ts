import {
  type IngressView,
  type ServicePortView,
  type ServiceView,
} from '@kubeguard/contracts';

import {
  child,
  int,
  list,
  objectName,
  optString,
  pushUnique,
  record,
  str,
  stringMap,
  strings,
  writtenObject,
  type WriteInput,
} from './accessors.js';

const NONE: readonly unknown[] = [];

/** What the service and ingress views read from one event. */
export type ExposureInput = WriteInput;

/**
 * Annotations with which clouds make a LoadBalancer internal, and whether a
 * value means "internal".
 */
const INTERNAL_LB_ANNOTATIONS: readonly (readonly [
  string,
  (value: string) => boolean,
])[] = [
  // The in-tree AWS provider treats any value but "false" as internal.
  [
    'service.beta.kubernetes.io/aws-load-balancer-internal',
    v => v.toLowerCase() !== 'false',
  ],
  [
    'service.beta.kubernetes.io/aws-load-balancer-scheme',
    v => v.toLowerCase() === 'internal',
  ],
  [
    'service.beta.kubernetes.io/azure-load-balancer-internal',
    v => v.toLowerCase() === 'true',
  ],
  ['networking.gke.io/load-balancer-type', v => v.toLowerCase() === 'internal'],
  ['cloud.google.com/load-balancer-type', v => v.toLowerCase() === 'internal'],
];

/** How a Service being written is exposed. */
export function serviceView(input: ExposureInput): ServiceView | undefined {
  const ref = input.objectRef;
  const picked = writtenObject(input, ['services']);
  if (picked === undefined) {
    return undefined;
  }
  const { object } = picked;
  const spec = child(object, 'spec');
  const type = str(spec?.['type']);
  const externalIps = strings(spec?.['externalIPs']);
  const ports: ServicePortView[] = [];
  for (const item of list(spec?.['ports']) ?? NONE) {
    const port = record(item);
    if (port !== undefined) {
      const target = port['targetPort'];
      ports.push({
        name: str(port['name']),
        port: int(port['port']),
        targetPort: typeof target === 'number' ? String(target) : str(target),
        nodePort: int(port['nodePort']),
        protocol: str(port['protocol']),
      });
    }
  }
  const annotations = child(child(object, 'metadata'), 'annotations');
  return {
    source: picked.source,
    ...objectName(object, ref),
    type,
    ports,
    selector: stringMap(spec?.['selector']),
    externalIps,
    loadBalancerSourceRanges: strings(spec?.['loadBalancerSourceRanges']),
    externalName: str(spec?.['externalName']),
    externallyExposed:
      type === 'LoadBalancer' || type === 'NodePort' || externalIps.length > 0,
    internalLoadBalancer: INTERNAL_LB_ANNOTATIONS.some(([key, isInternal]) => {
      const value = optString(annotations?.[key]);
      return value !== undefined && isInternal(value);
    }),
  };
}

/** Hosts, TLS and backends of an Ingress being written. */
export function ingressView(input: ExposureInput): IngressView | undefined {
  const ref = input.objectRef;
  const picked = writtenObject(
    input,
    ['ingresses'],
    'networking.k8s.io',
    'extensions',
  );
  if (picked === undefined) {
    return undefined;
  }
  const { object } = picked;
  const spec = child(object, 'spec');
  const hosts: string[] = [];
  const backends: string[] = [];
  // networking.k8s.io/v1 calls it defaultBackend; v1beta1 called it backend.
  addBackend(backends, child(spec, 'defaultBackend') ?? child(spec, 'backend'));
  for (const ruleItem of list(spec?.['rules']) ?? NONE) {
    const rule = record(ruleItem);
    pushUnique(hosts, str(rule?.['host']));
    for (const pathItem of list(child(rule, 'http')?.['paths']) ?? NONE) {
      addBackend(backends, child(record(pathItem), 'backend'));
    }
  }
  const annotations = child(child(object, 'metadata'), 'annotations');
  return {
    source: picked.source,
    ...objectName(object, ref),
    hosts,
    tls: (list(spec?.['tls'])?.length ?? 0) > 0,
    backendServices: backends,
    ingressClass:
      optString(spec?.['ingressClassName']) ||
      str(annotations?.['kubernetes.io/ingress.class']),
  };
}

/** v1 `backend.service.name`, or v1beta1 `backend.serviceName`. */
function addBackend(
  out: string[],
  backend: Record<string, unknown> | undefined,
): void {
  if (backend !== undefined) {
    pushUnique(
      out,
      str(child(backend, 'service')?.['name']) || str(backend['serviceName']),
    );
  }
}
