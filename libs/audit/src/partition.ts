import type { AuditEvent } from '@kubeguard/contracts';

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

/**
 * The identities an event grants something to, as their usernames: the User
 * and ServiceAccount subjects of a binding being written (a ServiceAccount
 * without namespace is in the binding's). Groups have no events of their own.
 */
export function subjectIdentities(event: AuditEvent): string[] {
  const binding = event.derived?.roleBinding;
  if (binding === undefined) {
    return [];
  }
  const names: string[] = [];
  for (const subject of binding.subjects) {
    if (subject.kind === 'User') {
      names.push(subject.name);
    } else if (subject.kind === 'ServiceAccount') {
      const namespace = subject.namespace || binding.namespace;
      names.push(`system:serviceaccount:${namespace}:${subject.name}`);
    }
  }
  return names;
}

/** Where an event goes: its actor's partition, and copies for its subjects'. */
export interface Placement {
  partition: number;
  /** The partitions of the identities it grants to, other than the first. */
  copies: number[];
}

/**
 * Places an event by its actor, and copies it to the partitions of the
 * identities a binding grants to: "granted, then used" sequences join the
 * grant (made by one identity) with the grantee's own later events, which
 * are in the grantee's partition.
 */
export function placementOf(event: AuditEvent, partitions: number): Placement {
  const partition = partitionOf(
    event.cluster,
    event.user?.username ?? '',
    partitions,
  );
  const copies = new Set<number>();
  for (const identity of subjectIdentities(event)) {
    copies.add(partitionOf(event.cluster, identity, partitions));
  }
  copies.delete(partition);
  return { partition, copies: [...copies] };
}
