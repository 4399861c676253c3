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
 * The activation of one event. The audit fields keep the names of the
 * `audit.k8s.io` schema (`verb`, `objectRef.resource`, `user.groups`), so
 * rules read like the documentation; parsing the request and response bodies
 * and shaping the views happen only when a rule reads them. A class with
 * getters on its prototype keeps every instance the same shape, which keeps
 * variable reads fast in V8 (an object literal with getters does not).
 */
class EventActivation {
  readonly auditID: string;
  readonly cluster: string;
  readonly stage: string;
  readonly level: string;
  readonly verb: string;
  readonly requestURI: string;
  readonly userAgent: string;
  readonly sourceIPs: string[];
  readonly user: typeof EMPTY_USER;
  readonly impersonatedUser: typeof EMPTY_USER;
  readonly objectRef: Record<string, string>;
  readonly responseStatus: {
    code: number;
    status: string;
    reason: string;
    message: string;
  };
  readonly annotations: Record<string, string>;
  readonly lists: Readonly<Record<string, readonly string[]>>;
  private readonly event: AuditEvent;
  private request: unknown;
  private response: unknown;
  private shapedViews: unknown;

  constructor(
    event: AuditEvent,
    lists: Readonly<Record<string, readonly string[]>>,
  ) {
    const ref = event.objectRef;
    const status = event.responseStatus;
    this.event = event;
    this.auditID = event.auditId;
    this.cluster = event.cluster;
    this.stage = event.stage;
    this.level = event.level;
    this.verb = event.verb;
    this.requestURI = event.requestUri;
    this.userAgent = event.userAgent;
    this.sourceIPs = event.sourceIps;
    this.user = userOf(event.user);
    this.impersonatedUser = userOf(event.impersonatedUser);
    this.objectRef = {
      resource: ref?.resource ?? '',
      subresource: ref?.subresource ?? '',
      namespace: ref?.namespace ?? '',
      name: ref?.name ?? '',
      apiGroup: ref?.apiGroup ?? '',
      apiVersion: ref?.apiVersion ?? '',
    };
    this.responseStatus = {
      code: status?.code ?? 0,
      status: status?.status ?? '',
      reason: status?.reason ?? '',
      message: status?.message ?? '',
    };
    this.annotations = event.annotations;
    this.lists = lists;
    this.request = undefined;
    this.response = undefined;
    this.shapedViews = undefined;
  }

  get requestObject(): unknown {
    return (this.request ??= parseObject(this.event.requestObjectJson));
  }

  get responseObject(): unknown {
    return (this.response ??= parseObject(this.event.responseObjectJson));
  }

  get views(): unknown {
    return (this.shapedViews ??= viewsOf(this.event.derived));
  }
}

/** Builds the activation for one event (see {@link EventActivation}). */
export function activationOf(
  event: AuditEvent,
  lists: Readonly<Record<string, readonly string[]>>,
): Activation {
  return new EventActivation(event, lists) as unknown as Activation;
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
  const { identity, client, role, roleBinding, service, ingress } = derived;
  // Every field is always set (undefined when a view does not apply: CEL's
  // has() then says false), so all views objects share one shape.
  return {
    identity:
      identity && withEnum(identity, 'class', IdentityClass[identity.class]),
    outcome: Outcome[derived.outcome],
    client: client && withEnum(client, 'class', AddressClass[client.class]),
    podSpecs: derived.podSpecs.map(podSpecOf),
    exec: derived.exec,
    admissionRejected: derived.admissionRejected,
    admissionController: AdmissionController[derived.admissionController],
    admissionPolicy: derived.admissionPolicy,
    admissionReason: derived.admissionReason,
    role: role && withEnum(role, 'source', ObjectSource[role.source]),
    roleBinding:
      roleBinding &&
      withEnum(roleBinding, 'source', ObjectSource[roleBinding.source]),
    service:
      service && withEnum(service, 'source', ObjectSource[service.source]),
    ingress:
      ingress && withEnum(ingress, 'source', ObjectSource[ingress.source]),
  };
}

function podSpecOf(
  spec: DerivedViews['podSpecs'][number],
): Record<string, unknown> {
  const out = withEnum(spec, 'source', ObjectSource[spec.source]);
  out['workloadKind'] = WorkloadKind[spec.workloadKind];
  out['containers'] = spec.containers.map(c => {
    const container = withEnum(c, 'kind', ContainerKind[c.kind]);
    container['runsAsRoot'] = RootStatus[c.runsAsRoot];
    return container;
  });
  return out;
}

/** A copy of a view with one enum field replaced by its name; for-in beats a spread here. */
function withEnum(
  view: object,
  field: string,
  name: string | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const source = view as Record<string, unknown>;
  for (const key in source) {
    out[key] = source[key];
  }
  out[field] = name;
  return out;
}
