/**
 * Remembers the auditID + stage of recently published events, so an event
 * the API server or a log shipper sends twice in different batches is
 * published once. Bounded in time and size; entries expire in insertion
 * order, which a Map keeps for us.
 */
export interface RecentEvents {
  has(key: string): boolean;
  /** Call only after the event is stored, or a failed publish would lose it on retry. */
  add(key: string): void;
  readonly size: number;
}

/** Creates the window; `now` is injected for tests. */
export function createRecentEvents(options: {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}): RecentEvents {
  const now = options.now ?? Date.now;
  const seenAt = new Map<string, number>();

  const expire = (): void => {
    const cutoff = now() - options.ttlMs;
    for (const [key, at] of seenAt) {
      if (at > cutoff && seenAt.size <= options.maxEntries) {
        break;
      }
      seenAt.delete(key);
    }
  };

  return {
    has(key) {
      const at = seenAt.get(key);
      return at !== undefined && at > now() - options.ttlMs;
    },
    add(key) {
      seenAt.delete(key);
      seenAt.set(key, now());
      expire();
    },
    get size() {
      return seenAt.size;
    },
  };
}

/**
 * The de-duplication key of an event as published to `partition`: a copy
 * for another partition (see `placementOf`) is a publication of its own.
 */
export function eventKey(
  event: {
    cluster: string;
    auditId: string;
    stage: string;
    partitionCopy: boolean;
  },
  partition: number,
): string {
  const key = `${event.cluster}\u0000${event.auditId}\u0000${event.stage}`;
  return event.partitionCopy ? `${key}\u0000${String(partition)}` : key;
}
