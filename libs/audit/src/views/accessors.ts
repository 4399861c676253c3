import { ObjectSource, type ObjectRef } from '@kubeguard/contracts';

/**
 * Typed reads of parsed JSON (`unknown`): each returns undefined, or an empty
 * value, when the field is absent or has another type, so view code never
 * casts and never throws on odd input.
 */

/** A JSON object, or undefined. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return isObject(value) ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `parent[key]` when it is a JSON object. */
export function child(
  parent: Record<string, unknown> | undefined,
  key: string,
): Record<string, unknown> | undefined {
  return parent === undefined ? undefined : record(parent[key]);
}

/** A JSON array, or undefined. */
export function list(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** A string, or undefined. */
export function optString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A string, or '' when absent. */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A boolean, or undefined. */
export function optBool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** True only for the JSON value `true`. */
export function isTrue(value: unknown): boolean {
  return value === true;
}

/** An integer, or undefined. */
export function optInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value)
    ? value
    : undefined;
}

/** An integer, or 0 when absent. */
export function int(value: unknown): number {
  return optInt(value) ?? 0;
}

/** The string items of an array; [] when it is not an array. */
export function strings(value: unknown): string[] {
  const out: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'string') {
        out.push(item);
      }
    }
  }
  return out;
}

/** The string values of an object; {} when it is not an object. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const object = record(value);
  if (object !== undefined) {
    for (const key in object) {
      const item = object[key];
      if (typeof item === 'string') {
        out[key] = item;
      }
    }
  }
  return out;
}

/** Appends `value` unless it is empty or already present. */
export function pushUnique(out: string[], value: string): void {
  if (value !== '' && !out.includes(value)) {
    out.push(value);
  }
}

/** Verbs whose request (or response) carries the object being written. */
const WRITE_VERBS = new Set(['create', 'update', 'patch']);

/** Whether views of the written object apply to this verb. */
export function isWriteVerb(verb: string): boolean {
  return WRITE_VERBS.has(verb);
}

/** The object a view reads, and where it came from. */
export interface SourceObject {
  readonly object: Record<string, unknown>;
  readonly source: ObjectSource;
}

/**
 * Picks the object that describes the result of a write: the request for
 * create and update (the whole object the client sent); for a patch, the
 * response (the object as stored) when logged, else the patch document itself
 * (a JSON patch, an array, gives nothing). Falls back to the response when the
 * request was not logged. A `Status` response (an error) is never an object.
 */
export function pickObject(
  verb: string,
  request: unknown,
  response: unknown,
): SourceObject | undefined {
  const requestObject = record(request);
  const responseObject = record(response);
  const stored =
    responseObject !== undefined && responseObject['kind'] !== 'Status'
      ? responseObject
      : undefined;
  if (verb === 'patch') {
    if (stored !== undefined) {
      return { object: stored, source: ObjectSource.RESPONSE };
    }
    return requestObject === undefined
      ? undefined
      : { object: requestObject, source: ObjectSource.PATCH };
  }
  if (requestObject !== undefined) {
    return { object: requestObject, source: ObjectSource.REQUEST };
  }
  return stored === undefined
    ? undefined
    : { object: stored, source: ObjectSource.RESPONSE };
}

/** Namespace and name from the object's metadata, else from objectRef. */
export function objectName(
  object: Record<string, unknown>,
  ref: { readonly namespace: string; readonly name: string } | undefined,
): { namespace: string; name: string } {
  const metadata = child(object, 'metadata');
  return {
    namespace: optString(metadata?.['namespace']) || (ref?.namespace ?? ''),
    name: optString(metadata?.['name']) || (ref?.name ?? ''),
  };
}

/**
 * Whether an object reference's API group is the expected one. An empty group
 * passes too: some exports leave it out, and core resources have none.
 */
export function groupIs(apiGroup: string, ...expected: string[]): boolean {
  return apiGroup === '' || expected.includes(apiGroup);
}

/** What a view of one written object reads from an event. */
export interface WriteInput {
  readonly verb: string;
  readonly objectRef: ObjectRef | undefined;
  readonly requestObject: unknown;
  readonly responseObject: unknown;
}

/**
 * The object a create, update or patch of one of `resources` (the object
 * itself, not a subresource) in one of `groups` wrote; undefined for any
 * other event. An event that logs no group passes the group check.
 */
export function writtenObject(
  input: WriteInput,
  resources: readonly string[],
  ...groups: string[]
): SourceObject | undefined {
  const ref = input.objectRef;
  if (
    ref === undefined ||
    !resources.includes(ref.resource) ||
    ref.subresource !== '' ||
    !groupIs(ref.apiGroup, ...groups) ||
    !isWriteVerb(input.verb)
  ) {
    return undefined;
  }
  return pickObject(input.verb, input.requestObject, input.responseObject);
}
