/** Drops undefined members so absent facts are absent keys, not nulls. */
export function compact(
  object: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).filter(([, value]) => value !== undefined),
  );
}

/** undefined for the empty string, which protobuf uses for "not set". */
export function orUndefined(value: string): string | undefined {
  return value === '' ? undefined : value;
}

/** undefined for an empty list. */
export function nonEmpty<T>(values: T[]): T[] | undefined {
  return values.length === 0 ? undefined : values;
}
