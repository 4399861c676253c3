/**
 * The partition of an event: all events of one actor in one cluster land in
 * the same partition, so a stateful rule sees them in one place. FNV-1a, for
 * a stable spread that does not depend on the process.
 */
export function partitionOf(
  cluster: string,
  actor: string,
  partitions: number,
): number {
  let hash = 0x811c9dc5;
  const key = `${cluster}\u0000${actor}`;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
