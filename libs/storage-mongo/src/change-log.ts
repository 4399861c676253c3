import { UnavailableError } from '@kubeguard/errors';
import type { Collection, Document, Filter } from 'mongodb';

import type { AlertDocument } from './alert-document.js';
import type { DetectionChange } from './aggregate.js';
import { isDuplicateKey } from './errors.js';
import { request } from './retry.js';

/** What one change did: a detection's effect, or an edit by a person. */
export type ChangeKind = DetectionChange | 'edited';

/**
 * One committed alert change in the `alert_changes` collection. `_id` is the
 * change's global sequence number: dense and in commit order (see
 * {@link ChangeLog.append}), which is what lets a stream reader resume from
 * a number without missing or repeating anything.
 */
export interface ChangeDocument {
  _id: number;
  alertId: string;
  /** The alert's revision after this change; unique per alert. */
  revision: number;
  change: ChangeKind;
  /**
   * The detection this change recorded (unique: a redelivered detection
   * cannot commit twice); `edit:<alertId>:<revision>` for edits.
   */
  detectionId: string;
  at: Date;
  /** The whole alert after the change, `seq` included. */
  alert: AlertDocument;
}

/** The outcome of {@link ChangeLog.append}. */
export type AppendResult =
  | { ok: true; seq: number; record: ChangeDocument }
  /** The detection was committed before: `record` is that change. */
  | { ok: false; conflict: 'duplicate'; record: ChangeDocument }
  /** Another writer committed this alert's next revision first. */
  | { ok: false; conflict: 'revision' };

/** The alert change log: the commit point of every alert write. */
export interface ChangeLog {
  /**
   * Commits a change under the next sequence number. Appends of this process
   * run one at a time, and a number is only tried after the one before it is
   * known to be committed, so numbers become visible in order with no gaps.
   * Another process taking the same number is seen as a duplicate `_id`:
   * this one then re-reads the newest number and tries the next.
   */
  append(change: Omit<ChangeDocument, '_id'>): Promise<AppendResult>;
  /** One committed change of an alert. */
  find(alertId: string, revision: number): Promise<ChangeDocument | undefined>;
  /**
   * A sequence number every change up to which is committed and visible:
   * the newest one, or (for a moment after a writer died between its
   * commit and recording it) one less. 0 when nothing was committed.
   */
  committedSeq(): Promise<number>;
  /** The oldest sequence number still kept; undefined when empty. */
  oldestSeq(): Promise<number | undefined>;
  /** Changes with `after < seq <= upTo` whose alert matches, oldest first. */
  read(
    after: number,
    upTo: number,
    alertFilter: Filter<Document>,
    limit: number,
  ): Promise<ChangeDocument[]>;
  /** Deletes changes older than `before`, always keeping the newest one. */
  prune(before: Date): Promise<number>;
}

/** The `counters` document recording the newest committed sequence number. */
export interface CounterDocument {
  _id: string;
  seq: number;
}

const HEAD = 'alert_changes';

const MAX_SEQ_RETRIES = 100;

/**
 * The change log over its collection, with the newest committed number kept
 * in `counters` (reading it there is one `_id` lookup; finding the largest
 * `_id` would sort the whole log on servers without index sorts, such as
 * FerretDB). It is raised after every commit, and whenever a writer finds a
 * number taken, so a writer that died in between delays readers only until
 * the next commit.
 */
export async function createChangeLog(
  changes: Collection<ChangeDocument>,
  counters: Collection<CounterDocument>,
): Promise<ChangeLog> {
  let nextSeq: number | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };

  const committedSeq = async (): Promise<number> =>
    (await request(() => counters.findOne({ _id: HEAD })))?.seq ?? 0;

  /** Raises the head to `seq` (every change up to it is known committed). */
  const raiseHead = async (seq: number): Promise<void> => {
    const raise = () =>
      counters.updateOne({ _id: HEAD }, { $max: { seq } }, { upsert: true });
    try {
      await request(raise);
    } catch (err) {
      // Two first upserts raced: the document exists now.
      if (!isDuplicateKey(err)) {
        throw err;
      }
      await request(raise);
    }
  };

  // A log without head (written before it existed): find the newest once.
  if ((await request(() => counters.findOne({ _id: HEAD }))) === null) {
    const [newest] = await request(() =>
      changes
        .find({}, { projection: { _id: 1 } })
        .sort({ _id: -1 })
        .limit(1)
        .toArray(),
    );
    await raiseHead(newest?._id ?? 0);
  }

  const tryAppend = async (
    change: Omit<ChangeDocument, '_id'>,
  ): Promise<AppendResult> => {
    for (let attempt = 0; attempt < MAX_SEQ_RETRIES; attempt += 1) {
      nextSeq ??= (await committedSeq()) + 1;
      const seq = nextSeq;
      const record: ChangeDocument = {
        _id: seq,
        ...change,
        alert: { ...change.alert, seq },
      };
      try {
        await request(() => changes.insertOne(record));
        nextSeq = seq + 1;
        await raiseHead(seq);
        return { ok: true, seq, record };
      } catch (err) {
        if (!isDuplicateKey(err)) {
          throw err;
        }
      }
      // Which unique index refused? FerretDB does not say, so look, one
      // index at a time (an $or would scan the log on some servers).
      const earlier = await request(() =>
        changes.findOne({ detectionId: change.detectionId }),
      );
      if (earlier !== null) {
        return { ok: false, conflict: 'duplicate', record: earlier };
      }
      const sameRevision = await request(() =>
        changes.findOne(
          { alertId: change.alertId, revision: change.revision },
          { projection: { _id: 1 } },
        ),
      );
      if (sameRevision !== null) {
        return { ok: false, conflict: 'revision' };
      }
      // Another process committed this number (so every one up to it is
      // committed): record that, and try the next free one.
      await raiseHead(seq);
      nextSeq = Math.max(seq, await committedSeq()) + 1;
    }
    throw new UnavailableError(
      `could not commit an alert change after ${String(MAX_SEQ_RETRIES)} attempts: other writers keep taking the next sequence number`,
    );
  };

  return {
    append: change => serialized(() => tryAppend(change)),
    async find(alertId, revision) {
      return (
        (await request(() => changes.findOne({ alertId, revision }))) ??
        undefined
      );
    },
    committedSeq,
    async oldestSeq() {
      const [oldest] = await request(() =>
        changes
          .find({}, { projection: { _id: 1 } })
          .sort({ _id: 1 })
          .limit(1)
          .toArray(),
      );
      return oldest?._id;
    },
    read(after, upTo, alertFilter, limit) {
      return request(() =>
        changes
          .find({
            $and: [{ _id: { $gt: after, $lte: upTo } }, alertFilter],
          } as Filter<ChangeDocument>)
          .sort({ _id: 1 })
          .limit(limit)
          .toArray(),
      );
    },
    async prune(before) {
      const head = await committedSeq();
      const result = await request(() =>
        changes.deleteMany({ at: { $lt: before }, _id: { $lt: head } }),
      );
      return result.deletedCount;
    },
  };
}
