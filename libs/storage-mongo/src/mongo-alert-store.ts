import {
  type AlertStatus,
  type Severity,
  type Alert,
  type Detection,
} from '@kubeguard/contracts';
import {
  InvalidArgumentError,
  UnavailableError,
  errorMessage,
} from '@kubeguard/errors';
import {
  MongoClient,
  MongoServerError,
  type Collection,
  type Filter,
} from 'mongodb';

import {
  alertDocumentFromDetection,
  alertFromDocument,
  storedStatus,
  type AlertDocument,
} from './alert-document.js';
import { decodePageToken, encodePageToken } from './page-token.js';

/** Filters of {@link AlertStore.list}; empty fields do not filter. */
export interface AlertQuery {
  cluster?: string;
  ruleId?: string;
  minSeverity?: Severity;
  status?: AlertStatus;
  /** @default 100 */
  pageSize?: number;
  pageToken?: string;
}

/** One page of alerts, newest first. */
export interface AlertPage {
  alerts: Alert[];
  /** Empty on the last page. */
  nextPageToken: string;
}

/** Alert persistence. */
export interface AlertStore {
  /**
   * Stores the alert of a detection. Idempotent on the detection id: a
   * redelivered detection changes nothing and reports `created: false`.
   */
  recordDetection(
    detection: Detection,
    now: Date,
  ): Promise<{ created: boolean }>;
  list(query: AlertQuery): Promise<AlertPage>;
  get(alertId: string): Promise<Alert | undefined>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Options for {@link connectMongoAlertStore}. */
export interface MongoAlertStoreOptions {
  /** A `mongodb://` URL; the database comes from its path unless `database` is set. */
  url: string;
  /** @default the URL's database, else 'kubeguard' */
  database?: string;
  /** @default 5000 */
  serverSelectionTimeoutMs?: number;
}

const MAX_PAGE_SIZE = 1000;
const DUPLICATE_KEY = 11000;

/**
 * Connects to MongoDB (or any server speaking its wire protocol) and creates
 * the indexes the alert queries need.
 * @throws UnavailableError when the server cannot be reached
 */
export async function connectMongoAlertStore(
  options: MongoAlertStoreOptions,
): Promise<AlertStore> {
  const client = new MongoClient(options.url, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5000,
  });
  try {
    await client.connect();
  } catch (err) {
    throw new UnavailableError(
      `MONGO_URL: cannot connect to '${redactUrl(options.url)}': ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  const db = client.db(
    options.database ?? (dbNameOf(options.url) || 'kubeguard'),
  );
  const alerts: Collection<AlertDocument> = db.collection('alerts');
  await ensureIndexes(alerts);

  return {
    async recordDetection(detection, now) {
      const doc = alertDocumentFromDetection(detection, now);
      try {
        const result = await alerts.updateOne(
          { _id: doc._id },
          { $setOnInsert: doc },
          { upsert: true },
        );
        return { created: result.upsertedCount === 1 };
      } catch (err) {
        // Two deliveries raced on the same new id: the other one stored it.
        if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) {
          return { created: false };
        }
        throw asUnavailable(err);
      }
    },
    async list(query) {
      const pageSize = pageSizeOf(query.pageSize);
      const filter: Filter<AlertDocument> = {};
      if (query.cluster) {
        filter.cluster = query.cluster;
      }
      if (query.ruleId) {
        filter.ruleId = query.ruleId;
      }
      if (query.minSeverity) {
        filter.severity = { $gte: query.minSeverity };
      }
      const status =
        query.status === undefined ? undefined : storedStatus(query.status);
      if (status) {
        filter.status = status;
      }
      if (query.pageToken) {
        const after = decodePageToken(query.pageToken);
        const at = new Date(after.createdAtMs);
        filter.$or = [
          { createdAt: { $lt: at } },
          { createdAt: at, _id: { $lt: after.id } },
        ];
      }
      const docs = await alerts
        .find(filter)
        .sort({ createdAt: -1, _id: -1 })
        .limit(pageSize + 1)
        .toArray()
        .catch((err: unknown) => {
          throw asUnavailable(err);
        });
      const page = docs.slice(0, pageSize);
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
      };
    },
    async get(alertId) {
      const doc = await alerts
        .findOne({ _id: alertId })
        .catch((err: unknown) => {
          throw asUnavailable(err);
        });
      return doc ? alertFromDocument(doc) : undefined;
    },
    async ping() {
      try {
        await db.command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}

async function ensureIndexes(alerts: Collection<AlertDocument>): Promise<void> {
  await alerts.createIndexes([
    { key: { createdAt: -1, _id: -1 }, name: 'created_desc' },
    { key: { cluster: 1, createdAt: -1 }, name: 'cluster_created' },
    { key: { ruleId: 1, createdAt: -1 }, name: 'rule_created' },
    { key: { severity: 1, createdAt: -1 }, name: 'severity_created' },
    { key: { status: 1, createdAt: -1 }, name: 'status_created' },
    { key: { fingerprint: 1 }, name: 'fingerprint' },
  ]);
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

function asUnavailable(err: unknown): Error {
  return err instanceof InvalidArgumentError
    ? err
    : new UnavailableError(`mongodb request failed: ${errorMessage(err)}`, {
        cause: err,
      });
}

function dbNameOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    return '';
  }
}

/** The URL without its password, for error messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return url;
  }
}
