import {
  AddressClass,
  AdmissionController,
  ContainerKind,
  IdentityClass,
  ObjectSource,
  Outcome,
  RootStatus,
  WorkloadKind,
  type AuditEvent,
  type DerivedViews,
  type UserInfo,
} from '@kubeguard/contracts';

/** What a rule condition sees: the audit fields by their Kubernetes names, plus views and lists. */
export type Activation = Record<string, unknown>;

const EMPTY_USER = { username: '', uid: '', groups: [] as string[], extra: {} };

/**
 * Builds the activation for one event. The audit fields keep the names of
 * the `audit.k8s.io` schema (`verb`, `objectRef.resource`, `user.groups`), so
 * rules read like the documentation; parsing the request and response bodies
 * and shaping the views happen only when a rule reads them.
 */
export function activationOf(
  event: AuditEvent,
  lists: Readonly<Record<string, readonly string[]>>,
): Activation {
  const ref = event.objectRef;
  let request: unknown;
  let response: unknown;
  let views: unknown;
  return {
    auditID: event.auditId,
    cluster: event.cluster,
    stage: event.stage,
    level: event.level,
    verb: event.verb,
    requestURI: event.requestUri,
    userAgent: event.userAgent,
    sourceIPs: event.sourceIps,
    user: userOf(event.user),
    impersonatedUser: userOf(event.impersonatedUser),
    objectRef: {
      resource: ref?.resource ?? '',
      subresource: ref?.subresource ?? '',
      namespace: ref?.namespace ?? '',
      name: ref?.name ?? '',
      apiGroup: ref?.apiGroup ?? '',
      apiVersion: ref?.apiVersion ?? '',
    },
    responseStatus: {
      code: event.responseStatus?.code ?? 0,
      status: event.responseStatus?.status ?? '',
      reason: event.responseStatus?.reason ?? '',
      message: event.responseStatus?.message ?? '',
    },
    annotations: event.annotations,
    get requestObject(): unknown {
      return (request ??= parseObject(event.requestObjectJson));
    },
    get responseObject(): unknown {
      return (response ??= parseObject(event.responseObjectJson));
    },
    get views(): unknown {
      return (views ??= viewsOf(event.derived));
    },
    lists,
  };
}

function userOf(user: UserInfo | undefined): typeof EMPTY_USER {
  if (!user) {
    return EMPTY_USER;
  }
  const extra: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(user.extra)) {
    extra[key] = value.values;
  }
  return { username: user.username, uid: user.uid, groups: user.groups, extra };
}

function parseObject(bytes: Buffer): unknown {
  if (bytes.length === 0) {
    return {};
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return {};
  }
}

/** Derived views with enum values as their names (`'ANONYMOUS'`, `'ALLOWED'`). */
export function viewsOf(
  derived: DerivedViews | undefined,
): Record<string, unknown> {
  if (!derived) {
    return { outcome: 'UNSPECIFIED', podSpecs: [], admissionRejected: false };
  }
  return {
    ...(derived.identity
      ? {
          identity: {
            ...derived.identity,
            class: IdentityClass[derived.identity.class],
          },
        }
      : {}),
    outcome: Outcome[derived.outcome],
    ...(derived.client
      ? {
          client: {
            ...derived.client,
            class: AddressClass[derived.client.class],
          },
        }
      : {}),
    podSpecs: derived.podSpecs.map(spec => ({
      ...spec,
      source: ObjectSource[spec.source],
      workloadKind: WorkloadKind[spec.workloadKind],
      containers: spec.containers.map(c => ({
        ...c,
        kind: ContainerKind[c.kind],
        runsAsRoot: RootStatus[c.runsAsRoot],
      })),
    })),
    ...(derived.exec ? { exec: derived.exec } : {}),
    admissionRejected: derived.admissionRejected,
    admissionController: AdmissionController[derived.admissionController],
    admissionPolicy: derived.admissionPolicy,
    admissionReason: derived.admissionReason,
    ...(derived.role
      ? { role: { ...derived.role, source: ObjectSource[derived.role.source] } }
      : {}),
    ...(derived.roleBinding
      ? {
          roleBinding: {
            ...derived.roleBinding,
            source: ObjectSource[derived.roleBinding.source],
          },
        }
      : {}),
    ...(derived.service
      ? {
          service: {
            ...derived.service,
            source: ObjectSource[derived.service.source],
          },
        }
      : {}),
    ...(derived.ingress
      ? {
          ingress: {
            ...derived.ingress,
            source: ObjectSource[derived.ingress.source],
          },
        }
      : {}),
  };
}
