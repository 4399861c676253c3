import type {
  Collection,
  CreateIndexesOptions,
  Document,
  IndexSpecification,
} from 'mongodb';

import type { AlertDocument } from './alert-document.js';
import type { ChangeDocument } from './change-log.js';
import { isNotImplemented } from './errors.js';
import { request } from './retry.js';
import type { SuppressionDocument } from './suppressions.js';

/**
 * How old documents go away: a TTL index the server enforces, or (servers
 * without TTL indexes, e.g. FerretDB 1.x) the store's periodic sweep alone.
 * 'off' when retention is disabled.
 */
export type RetentionMode = 'ttl-index' | 'sweep' | 'off';

const DAY_SECONDS = 24 * 60 * 60;

/**
 * Creates the alert indexes: one per ListAlerts filter, each followed by the
 * page order (createdAt desc), plus fingerprint (aggregation lookups of v1
 * documents) and first/last seen (time range; last seen carries the TTL).
 * The title filter is a case-insensitive regex, which no index serves.
 */
export async function ensureAlertIndexes(
  alerts: Collection<AlertDocument>,
  retentionDays: number,
): Promise<RetentionMode> {
  await createEach(alerts, [
    { key: { createdAt: -1, _id: -1 }, name: 'created_desc' },
    { key: { cluster: 1, createdAt: -1 }, name: 'cluster_created' },
    { key: { ruleId: 1, createdAt: -1 }, name: 'rule_created' },
    { key: { severity: 1, createdAt: -1 }, name: 'severity_created' },
    { key: { status: 1, createdAt: -1 }, name: 'status_created' },
    {
      key: { 'target.namespace': 1, createdAt: -1 },
      name: 'namespace_created',
    },
    { key: { 'actor.username': 1, createdAt: -1 }, name: 'actor_created' },
    { key: { fingerprint: 1 }, name: 'fingerprint' },
    { key: { 'evidence.firstSeen': 1 }, name: 'first_seen' },
  ]);
  return ensureTtlIndex(
    alerts,
    { 'evidence.lastSeen': 1 },
    'last_seen',
    retentionDays > 0 ? Math.round(retentionDays * DAY_SECONDS) : undefined,
  );
}

/**
 * Change-log indexes: the unique ones are what make a commit atomic (one
 * change per alert revision, one per detection); `at` serves pruning.
 */
export async function ensureChangeIndexes(
  changes: Collection<ChangeDocument>,
): Promise<void> {
  await createEach(changes, [
    { key: { alertId: 1, revision: 1 }, name: 'alert_revision', unique: true },
    { key: { detectionId: 1 }, name: 'detection', unique: true },
    { key: { at: 1 }, name: 'at' },
  ]);
}

/** Suppression indexes: newest-first listing, and expiry (TTL where supported). */
export async function ensureSuppressionIndexes(
  suppressions: Collection<SuppressionDocument>,
): Promise<RetentionMode> {
  await request(() =>
    suppressions.createIndex({ createdAt: -1 }, { name: 'created_desc' }),
  );
  return ensureTtlIndex(suppressions, { expiresAt: 1 }, 'expires_at', 0);
}

/**
 * Creates indexes one request each: FerretDB 1.24 drops the connection
 * (a server panic) when one `createIndexes` names several indexes that
 * already exist, i.e. on every restart.
 */
export async function createEach<T extends Document>(
  collection: Collection<T>,
  specs: readonly ({
    key: IndexSpecification;
    name: string;
  } & CreateIndexesOptions)[],
): Promise<void> {
  for (const { key, ...options } of specs) {
    await request(() => collection.createIndex(key, options));
  }
}

/**
 * Makes `name` a TTL index with `expireAfterSeconds`, or a plain index when
 * that is undefined. An index with the same name but other options is
 * replaced. A server without TTL indexes keeps a plain index ('sweep').
 */
async function ensureTtlIndex<T extends Document>(
  collection: Collection<T>,
  key: IndexSpecification,
  name: string,
  expireAfterSeconds: number | undefined,
): Promise<RetentionMode> {
  const existing = (await request(() => collection.indexes())).find(
    index => index.name === name,
  );
  const current = existing?.expireAfterSeconds;
  if (expireAfterSeconds === undefined) {
    if (current !== undefined) {
      await request(() => collection.dropIndex(name));
    }
    await request(() => collection.createIndex(key, { name }));
    return 'off';
  }
  if (current === expireAfterSeconds) {
    return 'ttl-index';
  }
  try {
    await request(() =>
      collection.createIndex(key, { name, expireAfterSeconds }),
    );
    return 'ttl-index';
  } catch (err) {
    if (isNotImplemented(err)) {
      await request(() => collection.createIndex(key, { name }));
      return 'sweep';
    }
    if (existing === undefined) {
      throw err;
    }
  }
  // Same name, other options: MongoDB cannot change them in place here.
  await request(() => collection.dropIndex(name));
  await request(() =>
    collection.createIndex(key, { name, expireAfterSeconds }),
  );
  return 'ttl-index';
}
