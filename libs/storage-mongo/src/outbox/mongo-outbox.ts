import { randomUUID } from 'node:crypto';

import {
  MongoBulkWriteError,
  type WriteError,
  type Collection,
  type Db,
  type Filter,
} from 'mongodb';

import { isNotImplemented } from '../errors.js';
import { guard, request } from '../retry.js';

import {
  outboxDocumentFromEntry,
  outboxItemFromDocument,
  type OutboxDocument,
  type OutboxEntry,
  type OutboxItem,
} from './outbox-document.js';

/** Options of {@link Outbox.claimDue}. */
export interface ClaimOptions {
  /** At most this many items. */
  limit: number;
  now: Date;
  /** How long the claimer may take before the items become claimable again. */
  leaseMs: number;
  /** Who claims, e.g. `notifier@host:pid`; recorded for operators. */
  owner: string;
}

/** Which dead items {@link Outbox.replayDead} sends again: of a sink, with these ids, or both. */
export type ReplaySelector =
  | { sinkId: string; ids?: readonly string[] }
  | { sinkId?: string; ids: readonly string[] };

/** Filters of {@link Outbox.listDead}. */
export interface DeadQuery {
  sinkId?: string;
  /** @default 100 */
  limit?: number;
}

/** Item counts of one sink, by state. */
export interface OutboxCounts {
  pending: number;
  dead: number;
}

/**
 * The persisted outbox of notifications: what must still be delivered to
 * which sink survives a restart of the notifier. Delivery is at least once:
 * an item whose claimer dies is claimed again when its lease expires.
 */
export interface Outbox<Change extends string = string> {
  /**
   * Stores new pending items. An entry whose id is already stored (in any
   * state) is left as it is, so enqueuing a redelivered change is harmless.
   * @returns how many entries were new
   */
  enqueue(entries: readonly OutboxEntry<Change>[], now: Date): Promise<number>;
  /**
   * Leases up to `limit` due pending items of a sink, oldest due first, and
   * counts an attempt on each. Atomic per item on MongoDB: two claimers never
   * hold the same item. (FerretDB 1.24 does not make conditional updates
   * atomic across connections; run one notifier replica against it.)
   */
  claimDue(
    sinkId: string,
    options: ClaimOptions,
  ): Promise<OutboxItem<Change>[]>;
  /** Marks items accepted by their receiver; they are deleted after the retention period. */
  markDelivered(ids: readonly string[], now: Date): Promise<void>;
  /**
   * Marks items done without sending them: a digest folded each into a later
   * notification of the same alert (`into`), which carries the latest state.
   */
  markFolded(
    folds: readonly { id: string; into: string }[],
    now: Date,
  ): Promise<void>;
  /**
   * Ends a failed attempt: the item is due again at `nextAttemptAt`.
   * `repeats` keeps the count of a digest that folded others into it.
   */
  markFailed(
    item: LeasedItem,
    failure: {
      error: string;
      nextAttemptAt: Date;
      now: Date;
      repeats?: number;
    },
  ): Promise<void>;
  /** Gives up on an item until it is replayed. */
  markDead(
    item: LeasedItem,
    failure: { error: string; now: Date },
  ): Promise<void>;
  /**
   * Returns claimed items that were not attempted (held back by a rate limit
   * or a digest, or a shutdown): due again at `until` (default now), without
   * counting the attempt.
   */
  release(
    items: readonly LeasedItem[],
    options: { now: Date; until?: Date },
  ): Promise<void>;
  /** Dead items, most recently dead first. */
  listDead(query?: DeadQuery): Promise<OutboxItem<Change>[]>;
  /**
   * Makes dead items pending again with their attempts reset.
   * @returns how many items were dead and are now pending
   */
  replayDead(selector: ReplaySelector, now: Date): Promise<number>;
  /** Pending and dead counts of a sink. */
  counts(sinkId: string): Promise<OutboxCounts>;
  /** When the earliest pending item of a sink is due; undefined when none is pending. */
  nextDueAt(sinkId: string): Promise<Date | undefined>;
  /**
   * Deletes delivered items whose retention has passed. MongoDB does this by
   * itself through a TTL index; FerretDB has none, so the notifier calls this
   * periodically either way.
   * @returns how many were deleted
   */
  purgeExpired(now: Date): Promise<number>;
  get(id: string): Promise<OutboxItem<Change> | undefined>;
}

/** What settling or releasing an item needs from its claim. */
export interface LeasedItem {
  id: string;
  /** The claim's token; a settle by a claimer whose lease was taken over changes nothing. */
  leaseToken?: string | undefined;
}

/** Options of {@link createMongoOutbox}. */
export interface MongoOutboxOptions {
  /** @default 'outbox' */
  collection?: string;
  /** How long delivered items are kept, in ms. @default 7 days */
  retentionMs?: number;
}

const DEFAULT_RETENTION_MS = 7 * 24 * 3600_000;
const DUPLICATE_KEY = 11000;
const NO_LEASE = { leaseOwner: null, leaseToken: null, leasedUntil: null };

/** The outbox in a MongoDB database; creates its indexes. */
export async function createMongoOutbox<Change extends string = string>(
  db: Db,
  options: MongoOutboxOptions = {},
): Promise<Outbox<Change>> {
  const items: Collection<OutboxDocument> = db.collection(
    options.collection ?? 'outbox',
  );
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  await run(() => ensureIndexes(items));

  const toItem = (doc: OutboxDocument): OutboxItem<Change> =>
    outboxItemFromDocument<Change>(doc);

  return {
    async enqueue(entries, now) {
      if (entries.length === 0) {
        return 0;
      }
      const docs = entries.map(entry => outboxDocumentFromEntry(entry, now));
      return run(async () => {
        try {
          const result = await items.insertMany(docs, { ordered: false });
          return result.insertedCount;
        } catch (err) {
          // Already enqueued by an earlier delivery of the same change: fine.
          if (err instanceof MongoBulkWriteError && onlyDuplicates(err)) {
            return err.insertedCount;
          }
          throw err;
        }
      });
    },

    async claimDue(sinkId, { limit, now, leaseMs, owner }) {
      const due: Filter<OutboxDocument> = {
        sinkId,
        state: 'pending',
        nextAttemptAt: { $lte: now },
      };
      const candidates = await run(() =>
        items
          .find(due, { projection: { _id: 1 } })
          .sort({ nextAttemptAt: 1, _id: 1 })
          .limit(limit)
          .toArray(),
      );
      if (candidates.length === 0) {
        return [];
      }
      const ids = candidates.map(c => c._id);
      // One conditional update for the batch, then read back what this token
      // won: per document, MongoDB re-checks the filter under its write lock.
      const leaseToken = randomUUID();
      const leasedUntil = new Date(now.getTime() + leaseMs);
      await run(() =>
        items.updateMany(
          { ...due, _id: { $in: ids } },
          {
            $set: {
              leaseOwner: owner,
              leaseToken,
              leasedUntil,
              nextAttemptAt: leasedUntil,
              updatedAt: now,
            },
            $inc: { attempts: 1 },
          },
        ),
      );
      const won = await run(() =>
        items.find({ _id: { $in: ids }, leaseToken }).toArray(),
      );
      const order = new Map(ids.map((id, index) => [id, index]));
      return won
        .sort((a, b) => (order.get(a._id) ?? 0) - (order.get(b._id) ?? 0))
        .map(toItem);
    },

    async markDelivered(ids, now) {
      if (ids.length === 0) {
        return;
      }
      await run(() =>
        items.updateMany(
          { _id: { $in: [...ids] }, state: 'pending' },
          {
            $set: {
              ...NO_LEASE,
              state: 'delivered',
              deliveredAt: now,
              expireAt: new Date(now.getTime() + retentionMs),
              updatedAt: now,
            },
          },
        ),
      );
    },

    async markFolded(folds, now) {
      for (const { id, into } of folds) {
        await run(() =>
          items.updateOne(
            { _id: id, state: 'pending' },
            {
              $set: {
                ...NO_LEASE,
                state: 'delivered',
                foldedInto: into,
                deliveredAt: now,
                expireAt: new Date(now.getTime() + retentionMs),
                updatedAt: now,
              },
            },
          ),
        );
      }
    },

    async markFailed(item, { error, nextAttemptAt, now, repeats }) {
      await run(() =>
        items.updateOne(leased(item), {
          $set: {
            ...NO_LEASE,
            lastError: error,
            nextAttemptAt,
            updatedAt: now,
            ...(repeats === undefined ? {} : { repeats }),
          },
        }),
      );
    },

    async markDead(item, { error, now }) {
      await run(() =>
        items.updateOne(leased(item), {
          $set: {
            ...NO_LEASE,
            state: 'dead',
            lastError: error,
            deadAt: now,
            updatedAt: now,
          },
        }),
      );
    },

    async release(released, { now, until }) {
      for (const item of released) {
        await run(() =>
          items.updateOne(leased(item), {
            $set: {
              ...NO_LEASE,
              nextAttemptAt: until ?? now,
              updatedAt: now,
            },
            $inc: { attempts: -1 },
          }),
        );
      }
    },

    async listDead(query = {}) {
      const filter: Filter<OutboxDocument> = { state: 'dead' };
      if (query.sinkId !== undefined) {
        filter.sinkId = query.sinkId;
      }
      const docs = await run(() =>
        items
          .find(filter)
          .sort({ deadAt: -1, _id: 1 })
          .limit(query.limit ?? 100)
          .toArray(),
      );
      return docs.map(toItem);
    },

    async replayDead(selector, now) {
      const filter: Filter<OutboxDocument> = { state: 'dead' };
      if (selector.sinkId !== undefined) {
        filter.sinkId = selector.sinkId;
      }
      if (selector.ids !== undefined) {
        filter._id = { $in: [...selector.ids] };
      }
      const result = await run(() =>
        items.updateMany(filter, {
          $set: {
            ...NO_LEASE,
            state: 'pending',
            attempts: 0,
            nextAttemptAt: now,
            deadAt: null,
            updatedAt: now,
          },
        }),
      );
      return result.modifiedCount;
    },

    async counts(sinkId) {
      const [pending, dead] = await run(() =>
        Promise.all([
          items.countDocuments({ sinkId, state: 'pending' }),
          items.countDocuments({ sinkId, state: 'dead' }),
        ]),
      );
      return { pending, dead };
    },

    async nextDueAt(sinkId) {
      const doc = await run(() =>
        items.findOne(
          { sinkId, state: 'pending' },
          { sort: { nextAttemptAt: 1 }, projection: { nextAttemptAt: 1 } },
        ),
      );
      return doc?.nextAttemptAt;
    },

    async purgeExpired(now) {
      const result = await run(() =>
        items.deleteMany({ state: 'delivered', expireAt: { $lte: now } }),
      );
      return result.deletedCount;
    },

    async get(id) {
      const doc = await run(() => items.findOne({ _id: id }));
      return doc ? toItem(doc) : undefined;
    },
  };
}

/** Matches a pending item still held by the claim that settles it. */
function leased(item: LeasedItem): Filter<OutboxDocument> {
  return item.leaseToken === undefined
    ? { _id: item.id, state: 'pending' }
    : { _id: item.id, state: 'pending', leaseToken: item.leaseToken };
}

async function ensureIndexes(items: Collection<OutboxDocument>): Promise<void> {
  // One index per request: FerretDB 1.24 drops the connection when a
  // createIndexes with several indexes finds them already there (a restart).
  // Claims and per-sink counts: sink, state, then due time.
  await items.createIndex(
    { sinkId: 1, state: 1, nextAttemptAt: 1 },
    { name: 'claim' },
  );
  // Listing dead items across sinks, newest first.
  await items.createIndex({ state: 1, deadAt: -1 }, { name: 'dead' });
  try {
    await items.createIndex(
      { expireAt: 1 },
      { name: 'expire_ttl', expireAfterSeconds: 0 },
    );
  } catch (err) {
    // FerretDB 1.24 has no TTL indexes; purgeExpired does the work there.
    if (!isNotImplemented(err)) {
      throw err;
    }
    await items.createIndex({ expireAt: 1 }, { name: 'expire' });
  }
}

/** Whether every write that failed did so because its id was already there. */
function onlyDuplicates(err: MongoBulkWriteError): boolean {
  const errors: readonly WriteError[] = Array.isArray(err.writeErrors)
    ? err.writeErrors
    : [err.writeErrors];
  return errors.every(e => e.code === DUPLICATE_KEY);
}

/**
 * Runs one request: again while FerretDB reports its SQLite database busy (a
 * refused write changed nothing), then failures as retryable AppErrors.
 */
function run<T>(fn: () => Promise<T>): Promise<T> {
  return guard(() => request(fn));
}
