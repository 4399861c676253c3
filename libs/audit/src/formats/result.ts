import { isRecord } from '../payload.js';
import { reject, type Rejection } from '../rejection.js';

/** The shape a record arrived in, before it became an audit Event. */
export type SourceFormat =
  | 'k8s-audit-v1'
  | 'k8s-audit-v1beta1'
  | 'aks-diagnostic'
  | 'eks-cloudwatch'
  | 'gke-cloud-logging';

/** One `audit.k8s.io` Event recovered from a provider record. */
export interface ConvertedEvent {
  event: Record<string, unknown>;
  format: SourceFormat;
  /** Field paths the provider did not log and we filled in, e.g. `user.groups`. */
  inferred: string[];
}

/** A record that is well formed but carries nothing to audit, and why. */
export interface Skipped {
  skip: string;
}

/** What one record (or one item of a wrapper) turned into. */
export type FormatResult = ConvertedEvent | Rejection | Skipped;

/** Prefix of the annotation that flags an inferred field on the event. */
export const INFERRED_ANNOTATION_PREFIX = 'kubeguard.io/inferred-';

/** Narrows a result to a {@link ConvertedEvent}. */
export function isConverted(result: FormatResult): result is ConvertedEvent {
  return 'event' in result;
}

/** Narrows a result to a {@link Skipped} record. */
export function isSkipped(result: FormatResult): result is Skipped {
  return 'skip' in result;
}

/**
 * Builds a result from a fresh copy of `event`; each inferred field is also
 * written as a `kubeguard.io/inferred-<field>: 'true'` annotation so the mark
 * survives normalization.
 */
export function converted(
  event: Record<string, unknown>,
  format: SourceFormat,
  inferred: string[] = [],
): ConvertedEvent {
  if (inferred.length === 0) {
    return { event: { ...event }, format, inferred };
  }
  const annotations: Record<string, unknown> = isRecord(event['annotations'])
    ? { ...event['annotations'] }
    : {};
  for (const field of inferred) {
    annotations[`${INFERRED_ANNOTATION_PREFIX}${field}`] = 'true';
  }
  return { event: { ...event, annotations }, format, inferred };
}

/** Names where a wrapped item came from in its rejection or skip reason. */
export function within(where: string, results: FormatResult[]): FormatResult[] {
  return results.map(result => {
    if (isConverted(result)) {
      return result;
    }
    if (isSkipped(result)) {
      return { skip: `${where}: ${result.skip}` };
    }
    return reject(result.reason, `${where}: ${result.detail}`);
  });
}

/** Parses JSON carried inside a string field, naming the field on failure. */
export function parseEmbedded(
  text: string,
  field: string,
): { value: unknown } | Rejection {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return reject(
      'NOT_JSON',
      `${field} is not valid JSON (${String(text.length)} characters; truncated?): ${why}`,
    );
  }
}

/** A value's JSON type, as an error message names it. */
export function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A `WRONG_TYPE` rejection for `field`. */
export function wrongType(
  field: string,
  expected: string,
  value: unknown,
): Rejection {
  return reject(
    'WRONG_TYPE',
    `${field}: expected ${expected}, got ${describe(value)}`,
  );
}

/** Up to six of an object's keys, quoted, for an error message. */
export function keyList(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  if (keys.length === 0) {
    return 'an empty object';
  }
  const shown = keys
    .slice(0, 6)
    .map(key => `'${key}'`)
    .join(', ');
  const more = keys.length > 6 ? ` and ${String(keys.length - 6)} more` : '';
  return `keys ${shown}${more}`;
}
