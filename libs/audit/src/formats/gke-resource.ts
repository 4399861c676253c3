/** What a GKE `methodName` (`io.k8s.core.v1.pods.exec.create`) says. */
export interface GkeMethod {
  verb: string;
  /** As the method spells it (`core`, `apps`, `authorization.rbac`): not the API group. */
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
}

/** The target of a request, as `audit.k8s.io` objectRef fields. */
export interface GkeTarget {
  apiGroup: string;
  apiVersion: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const VERSION = /^v\d+(?:(?:alpha|beta)\d+)?$/;
// The API server reads /namespaces/<ns>/status as the namespace's subresource.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Splits `io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>`; the
 * verb is always the last segment, the rest only when a version is found.
 */
export function parseMethodName(methodName: string): GkeMethod {
  const tokens = methodName.replace(/^io\.k8s\./, '').split('.');
  const verb = tokens[tokens.length - 1] ?? '';
  const at = tokens.findIndex(token => VERSION.test(token));
  const resource = at >= 0 ? tokens[at + 1] : undefined;
  if (at < 0 || resource === undefined || at + 1 >= tokens.length - 1) {
    return { verb };
  }
  const method: GkeMethod = {
    verb,
    group: tokens.slice(0, at).join('.'),
    resource,
  };
  const version = tokens[at];
  if (version !== undefined) {
    method.version = version;
  }
  const subresource = tokens.slice(at + 2, -1).join('.');
  if (subresource !== '') {
    method.subresource = subresource;
  }
  return method;
}

/**
 * Parses a GKE `resourceName` (`core/v1/namespaces/default/pods/nginx/exec`,
 * `rbac.authorization.k8s.io/v1/clusterrolebindings/admin`) the way the API
 * server parses a request path; `core` is the core group, written ''.
 */
export function parseResourceName(resourceName: string): GkeTarget | undefined {
  const [group, version, ...rest] = resourceName.replace(/^\//, '').split('/');
  if (group === undefined || version === undefined || rest.length === 0) {
    return undefined;
  }
  let tail = rest;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest[1] !== undefined) {
    namespace = rest[1];
    // /namespaces/<ns> alone (or with status/finalize) is the namespace object.
    if (rest[2] !== undefined && !NAMESPACE_SUBRESOURCES.has(rest[2])) {
      tail = rest.slice(2);
    }
  }
  const [resource, name, subresource] = tail;
  if (resource === undefined || resource === '') {
    return undefined;
  }
  const target: GkeTarget = {
    apiGroup: group === 'core' ? '' : group,
    apiVersion: version,
    resource,
  };
  if (namespace !== undefined) {
    target.namespace = namespace;
  }
  if (name !== undefined && name !== '') {
    target.name = name;
  }
  if (subresource !== undefined && subresource !== '') {
    target.subresource = subresource;
  }
  return target;
}

/**
 * The request path the API server would have logged for a target: `/api/v1/…`
 * for the core group, `/apis/<group>/<version>/…` otherwise. A create is
 * POSTed to the collection, so the new object's name is left out.
 */
export function requestPath(target: GkeTarget, verb: string): string {
  const base =
    target.apiGroup === ''
      ? `/api/${target.apiVersion}`
      : `/apis/${target.apiGroup}/${target.apiVersion}`;
  const namespace =
    target.namespace !== undefined && target.resource !== 'namespaces'
      ? `/namespaces/${target.namespace}`
      : '';
  const postsToCollection =
    verb === 'create' && target.subresource === undefined;
  const name =
    target.name !== undefined && !postsToCollection ? `/${target.name}` : '';
  const subresource =
    target.subresource !== undefined ? `/${target.subresource}` : '';
  return `${base}${namespace}/${target.resource}${name}${subresource}`;
}

/** The objectRef of an `audit.k8s.io` Event, empty fields left out as the API server does. */
export function objectRef(target: GkeTarget): Record<string, string> {
  const ref: Record<string, string> = { resource: target.resource };
  if (target.namespace !== undefined) {
    ref['namespace'] = target.namespace;
  }
  if (target.name !== undefined) {
    ref['name'] = target.name;
  }
  if (target.apiGroup !== '') {
    ref['apiGroup'] = target.apiGroup;
  }
  ref['apiVersion'] = target.apiVersion;
  if (target.subresource !== undefined) {
    ref['subresource'] = target.subresource;
  }
  return ref;
}
