import { Alert } from '@kubeguard/contracts';

/** Bumped when the stored shape of an outbox item changes. */
export const OUTBOX_SCHEMA_VERSION = 1;

/**
 * Where a notification is in its delivery: waiting (or being sent under a
 * lease), accepted by the receiver, or given up on until someone replays it.
 */
export type OutboxState = 'pending' | 'delivered' | 'dead';

/** A notification to persist before it is sent: one alert change for one sink. */
export interface OutboxEntry<Change extends string = string> {
  /**
   * Deterministic (sink id + alert id + the cause of the change), so enqueuing
   * the same change twice stores it once. Receivers can de-duplicate on it.
   */
  id: string;
  sinkId: string;
  change: Change;
  /** The alert as it was when the change happened. */
  alert: Alert;
}

/** A stored notification with its delivery state. */
export interface OutboxItem<
  Change extends string = string,
> extends OutboxEntry<Change> {
  state: OutboxState;
  /** Send attempts started so far (counted when claimed, so a crash counts too). */
  attempts: number;
  /** Not claimable before this time: the retry time, or the end of a lease. */
  nextAttemptAt: Date;
  /** Why the last attempt failed; empty when none did. */
  lastError: string;
  /** Notifications of this alert a digest folded into this one (itself included). */
  repeats: number;
  /** Set when a digest folded this notification into a later one of the same alert. */
  foldedInto: string | undefined;
  /** Who holds the lease, while one is held. */
  leaseOwner: string | undefined;
  /** Identifies one claim, so only its holder can settle or release it. */
  leaseToken: string | undefined;
  leasedUntil: Date | undefined;
  createdAt: Date;
  deliveredAt: Date | undefined;
  deadAt: Date | undefined;
}

/** An outbox item as stored in the `outbox` collection. */
export interface OutboxDocument {
  _id: string;
  schemaVersion: number;
  sinkId: string;
  alertId: string;
  change: string;
  /** The alert in its protobuf JSON form: readable in the database, lossless to read back. */
  alert: unknown;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string;
  repeats: number;
  foldedInto: string | null;
  leaseOwner: string | null;
  leaseToken: string | null;
  leasedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
  deadAt: Date | null;
  /** Set once delivered: the document may be deleted after this time. */
  expireAt: Date | null;
}

/** The document for a new pending entry, due at once. */
export function outboxDocumentFromEntry(
  entry: OutboxEntry,
  now: Date,
): OutboxDocument {
  return {
    _id: entry.id,
    schemaVersion: OUTBOX_SCHEMA_VERSION,
    sinkId: entry.sinkId,
    alertId: entry.alert.alertId,
    change: entry.change,
    alert: Alert.toJSON(entry.alert),
    state: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    lastError: '',
    repeats: 1,
    foldedInto: null,
    leaseOwner: null,
    leaseToken: null,
    leasedUntil: null,
    createdAt: now,
    updatedAt: now,
    deliveredAt: null,
    deadAt: null,
    expireAt: null,
  };
}

/**
 * The item of a stored document. The change is trusted to be one the writer
 * enqueued: this collection is written only by {@link OutboxEntry} producers.
 */
export function outboxItemFromDocument<Change extends string>(
  doc: OutboxDocument,
): OutboxItem<Change> {
  return {
    id: doc._id,
    sinkId: doc.sinkId,
    change: doc.change as Change,
    alert: Alert.fromJSON(doc.alert),
    state: doc.state,
    attempts: doc.attempts,
    nextAttemptAt: doc.nextAttemptAt,
    lastError: doc.lastError,
    repeats: doc.repeats ?? 1,
    foldedInto: doc.foldedInto ?? undefined,
    leaseOwner: doc.leaseOwner ?? undefined,
    leaseToken: doc.leaseToken ?? undefined,
    leasedUntil: doc.leasedUntil ?? undefined,
    createdAt: doc.createdAt,
    deliveredAt: doc.deliveredAt ?? undefined,
    deadAt: doc.deadAt ?? undefined,
  };
}
