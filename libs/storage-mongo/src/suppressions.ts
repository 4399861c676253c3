import { randomUUID } from 'node:crypto';

import type { Suppression, SuppressionMatch } from '@kubeguard/contracts';
import { InvalidArgumentError, NotFoundError } from '@kubeguard/errors';
import type { Collection } from 'mongodb';

import type { AlertDocument } from './alert-document.js';
import type { SuppressionRef } from './aggregate.js';
import { request } from './retry.js';
import {
  compileMatch,
  type CompiledMatch,
  type StoredMatch,
} from './suppression-match.js';

/** A suppression rule as stored in the `suppressions` collection. */
export interface SuppressionDocument {
  _id: string;
  schemaVersion: number;
  name: string;
  reason: string;
  createdBy: string;
  createdAt: Date;
  /** null: never expires. A TTL index deletes it once past, where supported. */
  expiresAt: Date | null;
  match: StoredMatch;
}

/** What it takes to create a suppression rule. */
export interface NewSuppression {
  name: string;
  reason: string;
  expiresAt?: Date | undefined;
  match: SuppressionMatch | undefined;
}

/** Suppression rules: stored, listed, and matched against alerts. */
export interface SuppressionRules {
  /**
   * Validates and stores a rule.
   * @throws InvalidArgumentError naming the field (name, reason, expires_at, match...)
   */
  create(input: NewSuppression, who: string, now: Date): Promise<Suppression>;
  /** Rules in force at `now`, newest first. */
  list(now: Date): Promise<Suppression[]>;
  /** @throws NotFoundError when there is no such rule */
  delete(id: string): Promise<void>;
  /**
   * A function telling which rule in force at `now` hides an alert: the
   * oldest matching one. Rules are cached for `cacheMs`; changes made
   * through this object apply at once, those of other processes within
   * `cacheMs`. Expiry is checked against `now` on every call.
   */
  matcher(
    now: Date,
  ): Promise<(doc: AlertDocument) => SuppressionRef | undefined>;
}

const MAX_NAME = 200;
const MAX_REASON = 2000;

interface ActiveRule {
  ref: SuppressionRef;
  expiresAt: Date | null;
  match: CompiledMatch;
}

/** Suppression rules over their collection. */
export function createSuppressionRules(
  collection: Collection<SuppressionDocument>,
  cacheMs: number,
): SuppressionRules {
  let cache: { at: number; rules: ActiveRule[] } | undefined;

  // Every stored rule, expired or not: expiry is decided per call, against
  // the caller's clock, so the cache never depends on when it was filled.
  const load = async (): Promise<ActiveRule[]> => {
    if (cache !== undefined && Date.now() - cache.at < cacheMs) {
      return cache.rules;
    }
    const docs = await request(() =>
      collection.find({}).sort({ createdAt: 1, _id: 1 }).toArray(),
    );
    const rules: ActiveRule[] = [];
    for (const doc of docs) {
      try {
        rules.push({
          ref: { id: doc._id, name: doc.name },
          expiresAt: doc.expiresAt,
          match: compileMatch(doc.match),
        });
      } catch {
        // A rule this version cannot read (written by a newer one) does not
        // apply: the alert is then notified, which is the safe side.
      }
    }
    cache = { at: Date.now(), rules };
    return rules;
  };

  return {
    async create(input, who, now) {
      const name = required('name', input.name, MAX_NAME);
      const reason = required('reason', input.reason, MAX_REASON);
      if (input.expiresAt !== undefined && input.expiresAt <= now) {
        throw new InvalidArgumentError(
          'expires_at',
          `must be in the future, got ${input.expiresAt.toISOString()}`,
        );
      }
      const match = storedMatch(input.match);
      compileMatch(match);
      const doc: SuppressionDocument = {
        _id: randomUUID(),
        schemaVersion: 1,
        name,
        reason,
        createdBy: who,
        createdAt: now,
        expiresAt: input.expiresAt ?? null,
        match,
      };
      await request(() => collection.insertOne(doc));
      cache = undefined;
      return suppressionFromDocument(doc);
    },
    async list(now) {
      const docs = await request(() =>
        collection
          .find({ $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] })
          .sort({ createdAt: -1, _id: -1 })
          .toArray(),
      );
      return docs.map(suppressionFromDocument);
    },
    async delete(id) {
      if (id === '') {
        throw new InvalidArgumentError('suppression_id', 'required');
      }
      const result = await request(() => collection.deleteOne({ _id: id }));
      cache = undefined;
      if (result.deletedCount === 0) {
        throw new NotFoundError(`suppression '${id}' does not exist`);
      }
    },
    async matcher(now) {
      const rules = (await load()).filter(
        rule => rule.expiresAt === null || rule.expiresAt > now,
      );
      return doc => rules.find(rule => rule.match.test(doc))?.ref;
    },
  };
}

/**
 * The stored form of a match from the API: empty strings are "not set".
 * Validation is {@link compileMatch}'s.
 */
export function storedMatch(match: SuppressionMatch | undefined): StoredMatch {
  const stored: StoredMatch = {};
  if (match?.ruleId) {
    stored.ruleId = match.ruleId;
  }
  if (match?.cluster) {
    stored.cluster = match.cluster;
  }
  if (match?.namespace) {
    stored.namespace = match.namespace;
  }
  if (match?.actor) {
    stored.actor = match.actor;
  }
  const fields = Object.entries(match?.fields ?? {});
  if (fields.length > 0) {
    stored.fields = fields.map(([path, value]) => ({ path, value }));
  }
  return stored;
}

/** The API form of a stored rule. */
export function suppressionFromDocument(doc: SuppressionDocument): Suppression {
  return {
    suppressionId: doc._id,
    name: doc.name,
    reason: doc.reason,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt ?? undefined,
    match: {
      ruleId: doc.match.ruleId ?? '',
      cluster: doc.match.cluster ?? '',
      namespace: doc.match.namespace ?? '',
      actor: doc.match.actor ?? '',
      fields: Object.fromEntries(
        (doc.match.fields ?? []).map(f => [f.path, f.value]),
      ),
    },
  };
}

function required(field: string, value: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed === '') {
    throw new InvalidArgumentError(field, 'required');
  }
  if (trimmed.length > max) {
    throw new InvalidArgumentError(
      field,
      `must be at most ${String(max)} characters`,
    );
  }
  return trimmed;
}
