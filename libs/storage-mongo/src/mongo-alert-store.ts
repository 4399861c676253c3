import { createHash } from 'node:crypto';

import type {
  Alert,
  Detection,
  Suppression,
  SuppressionMatch,
} from '@kubeguard/contracts';
import {
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  errorMessage,
} from '@kubeguard/errors';
import { type Collection, type Db, type Document, type Filter } from 'mongodb';

import {
  DEFAULT_AGGREGATION_LIMITS,
  applyDetection,
  type AggregationLimits,
  type DetectionChange,
} from './aggregate.js';
import {
  ALERT_SCHEMA_VERSION,
  alertFromDocument,
  readAlertDocument,
  type AlertDocument,
} from './alert-document.js';
import { alertFilter, type AlertFilter } from './alert-filter.js';
import {
  createChangeLog,
  type ChangeDocument,
  type ChangeKind,
  type ChangeLog,
} from './change-log.js';
import { connectMongo, type MongoConnectOptions } from './connect.js';
import { CursorExpiredError, isDuplicateKey } from './errors.js';
import {
  ensureAlertIndexes,
  ensureChangeIndexes,
  ensureSuppressionIndexes,
  type RetentionMode,
} from './indexes.js';
import { applyUpdate, type AlertUpdate } from './lifecycle.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { guard, request } from './retry.js';
import { compileMatch } from './suppression-match.js';
import {
  createSuppressionRules,
  storedMatch,
  type NewSuppression,
  type SuppressionDocument,
} from './suppressions.js';

/** Filters and paging of {@link AlertStore.list}. */
export interface AlertQuery extends AlertFilter {
  /** @default 100 */
  pageSize?: number;
  pageToken?: string;
}

/** One page of alerts, newest first. */
export interface AlertPage {
  alerts: Alert[];
  /** Empty on the last page. */
  nextPageToken: string;
  /** The newest change before the page was read: stream from here to follow it. */
  streamCursor: string;
}

/** What {@link AlertStore.recordDetection} did. */
export interface RecordResult {
  /** The alert after the change; for a duplicate, as it is now. */
  alert: Alert;
  change: DetectionChange | 'duplicate';
  /** A suppression rule matched: stored and marked, not to be notified. */
  suppressed: boolean;
  /**
   * Whether sinks should hear of this change: a created, updated or
   * reopened alert that is neither suppressed nor dismissed.
   */
  notify: boolean;
  /**
   * For a duplicate: the change this detection made when it was first
   * recorded (undefined once the change log no longer keeps it). Enqueueing
   * its notification again, idempotently by alert id and revision, recovers
   * a notification lost when the first attempt died after the write.
   */
  recorded?: { change: ChangeKind; alert: Alert; notify: boolean };
}

/** One committed alert change, as StreamAlerts delivers it. */
export interface AlertChangeEvent {
  seq: number;
  change: ChangeKind;
  at: Date;
  /** The alert right after the change. */
  alert: Alert;
}

/** What one {@link AlertStore.runMaintenance} removed. */
export interface MaintenanceReport {
  alertsDeleted: number;
  changesDeleted: number;
  suppressionsDeleted: number;
}

/** Alert persistence: aggregation, lifecycle, suppression and change stream. */
export interface AlertStore {
  /**
   * Adds a detection to the alert of its fingerprint (created on the first
   * one), atomically and idempotently on the detection id: a redelivered
   * detection changes nothing and reports `duplicate`. A resolved alert that
   * fires again is reopened. Detections without a fingerprint get an alert
   * of their own.
   * @throws InvalidArgumentError when the detection has no id
   * @throws UnavailableError when the database fails (retry later)
   */
  recordDetection(detection: Detection, now: Date): Promise<RecordResult>;
  /**
   * Changes status, assignee or adds a comment, as `who`, and returns the
   * alert after it; a request that changes nothing (a repeat) returns the
   * alert as it is, same revision.
   * @throws NotFoundError when there is no such alert
   * @throws InvalidArgumentError naming the field (see `applyUpdate`)
   */
  updateAlert(
    alertId: string,
    update: AlertUpdate,
    who: string,
    now: Date,
  ): Promise<Alert>;
  /** @throws InvalidArgumentError naming a bad filter, page size or token */
  list(query: AlertQuery): Promise<AlertPage>;
  get(alertId: string): Promise<Alert | undefined>;
  /**
   * The position a stream starts after: '' is the oldest change kept.
   * @throws InvalidArgumentError when the cursor is malformed or ahead of the newest change
   * @throws CursorExpiredError when changes after it were already pruned
   */
  openCursor(cursor: string): Promise<number>;
  /**
   * Up to `limit` changes after position `after` whose alert matches, oldest
   * first, and the position to continue from (past non-matching changes too).
   */
  readChanges(
    after: number,
    filter: AlertFilter,
    limit: number,
  ): Promise<{ events: AlertChangeEvent[]; position: number }>;
  /** @throws InvalidArgumentError naming the field */
  createSuppression(
    input: NewSuppression,
    who: string,
    now: Date,
  ): Promise<Suppression>;
  /** Rules in force at `now`, newest first. */
  listSuppressions(now: Date): Promise<Suppression[]>;
  /** @throws NotFoundError when there is no such rule */
  deleteSuppression(id: string): Promise<void>;
  /**
   * The stored alerts a rule with this match would hide: how many, and the
   * newest `pageSize` (default 100, max 1000) of them.
   */
  simulateSuppression(
    match: SuppressionMatch | undefined,
    pageSize?: number,
  ): Promise<{ total: number; alerts: Alert[] }>;
  /** Deletes alerts past retention, changes past change retention and expired rules. */
  runMaintenance(now: Date): Promise<MaintenanceReport>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The MongoDB alert store; `db` lets other repositories share its connection. */
export interface MongoAlertStore extends AlertStore {
  readonly db: Db;
  /** How alerts past retention are removed on this server. */
  readonly retention: RetentionMode;
}

/** Options for {@link connectMongoAlertStore}. */
export interface MongoAlertStoreOptions extends MongoConnectOptions {
  /** Alerts last seen longer ago are deleted; 0 keeps them forever. @default 90 */
  retentionDays?: number;
  /**
   * How long changes are kept: how far back a stream can resume, and how
   * late a redelivered detection is still recognised. @default 7
   */
  changeRetentionDays?: number;
  /** How long active suppression rules are cached. @default 1000 */
  suppressionCacheMs?: number;
  /** How often {@link AlertStore.runMaintenance} runs; 0 never. @default 600000 */
  maintenanceIntervalMs?: number;
  /** Told when a background maintenance run fails. */
  onMaintenanceError?: (err: unknown) => void;
  limits?: Partial<AggregationLimits>;
}

const MAX_PAGE_SIZE = 1000;
const MAX_CONFLICTS = 50;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Connects to MongoDB (or any server speaking its wire protocol), creates the
 * indexes and starts periodic maintenance.
 * @throws UnavailableError when the server cannot be reached
 */
export async function connectMongoAlertStore(
  options: MongoAlertStoreOptions,
): Promise<MongoAlertStore> {
  const retentionDays = nonNegative(
    'retentionDays',
    options.retentionDays ?? 90,
  );
  const changeRetentionDays = nonNegative(
    'changeRetentionDays',
    options.changeRetentionDays ?? 7,
  );
  const limits = { ...DEFAULT_AGGREGATION_LIMITS, ...options.limits };
  const { client, db } = await connectMongo(options);
  const alerts: Collection<AlertDocument> = db.collection('alerts');
  const changes: Collection<ChangeDocument> = db.collection('alert_changes');
  const suppressionDocs: Collection<SuppressionDocument> =
    db.collection('suppressions');
  let retention: RetentionMode;
  try {
    retention = await ensureAlertIndexes(alerts, retentionDays);
    await ensureChangeIndexes(changes);
    await ensureSuppressionIndexes(suppressionDocs);
  } catch (err) {
    await client.close();
    throw new UnavailableError(
      `mongodb: cannot create indexes: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  let changeLog: ChangeLog;
  let hasV1Alerts: boolean;
  try {
    changeLog = await createChangeLog(changes, db.collection('counters'));
    // v2 writers never write v1 documents, so once none is left the
    // by-field lookup for them can be skipped for good.
    hasV1Alerts =
      (await request(() =>
        alerts.findOne({ schemaVersion: 1 }, { projection: { _id: 1 } }),
      )) !== null;
  } catch (err) {
    await client.close();
    throw new UnavailableError(
      `mongodb: cannot open the alert change log: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const suppressions = createSuppressionRules(
    suppressionDocs,
    options.suppressionCacheMs ?? 1000,
  );
  const store = createStore({
    db,
    alerts,
    hasV1Alerts,
    changeLog,
    suppressions,
    suppressionDocs,
    limits,
    retentionDays,
    changeRetentionDays,
  });

  const intervalMs = options.maintenanceIntervalMs ?? 600_000;
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          store.runMaintenance(new Date()).catch((err: unknown) => {
            options.onMaintenanceError?.(err);
          });
        }, intervalMs).unref()
      : undefined;

  return {
    ...store,
    db,
    retention,
    async close() {
      clearInterval(timer);
      await client.close();
    },
  };
}

interface StoreParts {
  db: Db;
  alerts: Collection<AlertDocument>;
  /** Whether v1 alerts (not found by `_id` from the fingerprint) exist. */
  hasV1Alerts: boolean;
  changeLog: ChangeLog;
  suppressions: ReturnType<typeof createSuppressionRules>;
  suppressionDocs: Collection<SuppressionDocument>;
  limits: AggregationLimits;
  retentionDays: number;
  changeRetentionDays: number;
}

function createStore(parts: StoreParts): Omit<AlertStore, 'close'> {
  const { db, alerts, hasV1Alerts, changeLog, suppressions, limits } = parts;

  const findById = async (id: string): Promise<AlertDocument | undefined> => {
    const raw = await request(() => alerts.findOne({ _id: id }));
    return raw ? readAlertDocument(raw) : undefined;
  };

  /** The alert of a fingerprint; a v1 one (other `_id`) is found by the field. */
  const findByFingerprint = async (
    fingerprint: string,
  ): Promise<AlertDocument | undefined> => {
    const byId = await findById(alertIdFor(fingerprint));
    if (byId !== undefined || !hasV1Alerts) {
      return byId;
    }
    // No server-side sort: FerretDB would sort the whole collection. v1 kept
    // one alert per detection, so take the newest of a fingerprint's few.
    const legacy = await request(() =>
      alerts.find({ fingerprint }).limit(100).toArray(),
    );
    const newest = legacy.reduce<(typeof legacy)[number] | undefined>(
      (best, doc) =>
        best === undefined || doc.createdAt > best.createdAt ? doc : best,
      undefined,
    );
    return newest ? readAlertDocument(newest) : undefined;
  };

  /**
   * Writes a committed alert state unless a newer revision is already there
   * (someone applied this one or a later one for us).
   */
  const apply = async (doc: AlertDocument): Promise<void> => {
    try {
      await request(() =>
        alerts.replaceOne(
          {
            _id: doc._id,
            $or: [
              { revision: { $lt: doc.revision } },
              { revision: { $exists: false } },
            ],
          },
          doc,
          { upsert: true },
        ),
      );
    } catch (err) {
      if (!isDuplicateKey(err)) {
        throw err;
      }
    }
  };

  /**
   * Makes sure the alert holds the committed `revision` (someone else's, or
   * one whose writer died between the change log and the alert). A caller
   * that then conflicts again steps on to the next revision.
   */
  const rollForward = async (
    alertId: string,
    revision: number,
  ): Promise<void> => {
    const committed = await changeLog.find(alertId, revision);
    if (committed !== undefined) {
      await apply(committed.alert);
    }
  };

  const newestCursor = async (): Promise<string> =>
    String(await changeLog.committedSeq());

  return {
    recordDetection: (detection, now) =>
      guard(async () => {
        if (detection.detectionId === '') {
          throw new InvalidArgumentError('detection_id', 'required');
        }
        const fingerprint =
          detection.fingerprint || `detection:${detection.detectionId}`;
        for (let attempt = 0; attempt < MAX_CONFLICTS; attempt += 1) {
          const current = await findByFingerprint(fingerprint);
          if (
            current?.schemaVersion === 1 &&
            current._id === detection.detectionId
          ) {
            // Recorded before v2, when the alert id was the detection id.
            return duplicateOf(current, undefined);
          }
          const suppressionOf = await suppressions.matcher(now);
          const { next, change } = applyDetection(current, detection, {
            alertId: current?._id ?? alertIdFor(fingerprint),
            fingerprint,
            now,
            suppressionOf,
            limits,
          });
          const result = await changeLog.append({
            alertId: next._id,
            revision: next.revision,
            change,
            detectionId: detection.detectionId,
            at: now,
            alert: next,
          });
          if (result.ok) {
            await apply(result.record.alert);
            const committed = result.record.alert;
            return {
              alert: alertFromDocument(committed),
              change,
              suppressed: committed.suppressed,
              notify: notifies(change, committed),
            };
          }
          if (result.conflict === 'duplicate') {
            await rollForward(next._id, result.record.revision);
            const latest = await findById(next._id);
            return duplicateOf(latest ?? result.record.alert, result.record);
          }
          await rollForward(next._id, next.revision);
        }
        throw new UnavailableError(
          `alert of fingerprint '${fingerprint}': gave up after ${String(MAX_CONFLICTS)} conflicting writes`,
        );
      }),

    updateAlert: (alertId, update, who, now) =>
      guard(async () => {
        if (alertId === '') {
          throw new InvalidArgumentError('alert_id', 'required');
        }
        for (let attempt = 0; attempt < MAX_CONFLICTS; attempt += 1) {
          const current = await findById(alertId);
          if (current === undefined) {
            throw new NotFoundError(`alert '${alertId}' does not exist`);
          }
          const next = applyUpdate(current, update, who, now, limits.history);
          if (next === undefined) {
            return alertFromDocument(current);
          }
          next.schemaVersion = ALERT_SCHEMA_VERSION;
          const result = await changeLog.append({
            alertId,
            revision: next.revision,
            change: 'edited',
            detectionId: `edit:${alertId}:${String(next.revision)}`,
            at: now,
            alert: next,
          });
          if (result.ok) {
            await apply(result.record.alert);
            return alertFromDocument(result.record.alert);
          }
          await rollForward(alertId, next.revision);
        }
        throw new UnavailableError(
          `alert '${alertId}': gave up after ${String(MAX_CONFLICTS)} conflicting writes`,
        );
      }),

    list: query =>
      guard(async () => {
        const pageSize = pageSizeOf(query.pageSize);
        const conditions: Filter<AlertDocument>[] = [
          onAlerts(alertFilter(query)),
        ];
        if (query.pageToken) {
          const after = decodePageToken(query.pageToken);
          const at = new Date(after.createdAtMs);
          conditions.push({
            $or: [
              { createdAt: { $lt: at } },
              { createdAt: at, _id: { $lt: after.id } },
            ],
          });
        }
        // Read first: whatever changes after it reaches a stream started here.
        const streamCursor = await newestCursor();
        const docs = await request(() =>
          alerts
            .find({ $and: conditions })
            .sort({ createdAt: -1, _id: -1 })
            .limit(pageSize + 1)
            .toArray(),
        );
        const page = docs.slice(0, pageSize).map(readAlertDocument);
        const last = page.at(-1);
        return {
          alerts: page.map(alertFromDocument),
          nextPageToken:
            docs.length > pageSize && last
              ? encodePageToken({
                  createdAtMs: last.createdAt.getTime(),
                  id: last._id,
                })
              : '',
          streamCursor,
        };
      }),

    get: alertId =>
      guard(async () => {
        const doc = await findById(alertId);
        return doc ? alertFromDocument(doc) : undefined;
      }),

    openCursor: cursor =>
      guard(async () => {
        const after = parseCursor(cursor);
        const newest = await changeLog.committedSeq();
        if (after > newest) {
          throw new InvalidArgumentError(
            'cursor',
            `'${cursor}' is ahead of the newest change (${String(newest)})`,
          );
        }
        const oldest = await changeLog.oldestSeq();
        if (after > 0 && oldest !== undefined && oldest > after + 1) {
          throw new CursorExpiredError(
            `cursor: changes after '${cursor}' are no longer kept (the oldest is ${String(oldest)}); list the alerts again and stream from the list's stream_cursor`,
          );
        }
        return after;
      }),

    readChanges: (after, filter, limit) =>
      guard(async () => {
        const matching = alertFilter(filter, 'alert.');
        const upTo = await changeLog.committedSeq();
        if (upTo <= after) {
          return { events: [], position: after };
        }
        const docs = await changeLog.read(after, upTo, matching, limit);
        const last = docs.at(-1);
        return {
          events: docs.map(doc => ({
            seq: doc._id,
            change: doc.change,
            at: doc.at,
            alert: alertFromDocument(readAlertDocument(doc.alert)),
          })),
          // A full batch may stop short of upTo; otherwise everything up to
          // it was read, matching or not.
          position: docs.length >= limit && last ? last._id : upTo,
        };
      }),

    createSuppression: (input, who, now) =>
      guard(() => suppressions.create(input, who, now)),
    listSuppressions: now => guard(() => suppressions.list(now)),
    deleteSuppression: id => guard(() => suppressions.delete(id)),

    simulateSuppression: (match, pageSize) =>
      guard(async () => {
        const filter = onAlerts(compileMatch(storedMatch(match)).filter());
        const size = pageSizeOf(pageSize);
        const [total, docs] = await Promise.all([
          request(() => alerts.countDocuments(filter)),
          request(() =>
            alerts
              .find(filter)
              .sort({ createdAt: -1, _id: -1 })
              .limit(size)
              .toArray(),
          ),
        ]);
        return {
          total,
          alerts: docs.map(doc => alertFromDocument(readAlertDocument(doc))),
        };
      }),

    runMaintenance: now =>
      guard(async () => {
        const alertsDeleted =
          parts.retentionDays > 0
            ? (
                await request(() =>
                  alerts.deleteMany({
                    'evidence.lastSeen': {
                      $lt: new Date(
                        now.getTime() - parts.retentionDays * DAY_MS,
                      ),
                    },
                  }),
                )
              ).deletedCount
            : 0;
        const changesDeleted = await changeLog.prune(
          new Date(now.getTime() - parts.changeRetentionDays * DAY_MS),
        );
        const suppressionsDeleted = (
          await request(() =>
            parts.suppressionDocs.deleteMany({ expiresAt: { $lte: now } }),
          )
        ).deletedCount;
        return { alertsDeleted, changesDeleted, suppressionsDeleted };
      }),

    async ping() {
      try {
        await db.command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * The id of the alert of a fingerprint: deterministic, so two first
 * detections racing each other meet on the same document.
 */
export function alertIdFor(fingerprint: string): string {
  return createHash('sha256').update(fingerprint).digest('hex').slice(0, 32);
}

/** A filter built for any document, applied to alert documents. */
function onAlerts(filter: Filter<Document>): Filter<AlertDocument> {
  return filter as Filter<AlertDocument>;
}

function duplicateOf(
  current: AlertDocument,
  record: ChangeDocument | undefined,
): RecordResult {
  return {
    alert: alertFromDocument(current),
    change: 'duplicate',
    suppressed: current.suppressed,
    notify: false,
    ...(record === undefined
      ? {}
      : {
          recorded: {
            change: record.change,
            alert: alertFromDocument(readAlertDocument(record.alert)),
            notify: notifies(record.change, record.alert),
          },
        }),
  };
}

function notifies(change: ChangeKind, doc: AlertDocument): boolean {
  return change !== 'edited' && !doc.suppressed && doc.status !== 'dismissed';
}

/** A stream cursor as a position: '' is 0 (before everything). */
function parseCursor(cursor: string): number {
  if (cursor === '') {
    return 0;
  }
  if (!/^\d{1,15}$/.test(cursor)) {
    throw new InvalidArgumentError(
      'cursor',
      `'${cursor}' is not a cursor from a previous event`,
    );
  }
  return Number(cursor);
}

function pageSizeOf(requested: number | undefined): number {
  if (requested === undefined || requested === 0) {
    return 100;
  }
  if (
    !Number.isInteger(requested) ||
    requested < 0 ||
    requested > MAX_PAGE_SIZE
  ) {
    throw new InvalidArgumentError(
      'page_size',
      `must be 0-${String(MAX_PAGE_SIZE)}, got '${String(requested)}'`,
    );
  }
  return requested;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(
      name,
      `must be 0 or more, got '${String(value)}'`,
    );
  }
  return value;
}
