import { AlertStatus, Severity } from '@kubeguard/contracts';
import { InvalidArgumentError } from '@kubeguard/errors';
import type { Document, Filter } from 'mongodb';

import { storedStatus } from './alert-document.js';

/** Which alerts a list or a stream wants; empty and unset fields do not filter. */
export interface AlertFilter {
  cluster?: string;
  ruleId?: string;
  /** At least this severe; UNSPECIFIED does not filter. */
  minSeverity?: Severity;
  /** UNSPECIFIED does not filter. */
  status?: AlertStatus;
  /** The target's namespace. */
  namespace?: string;
  /** The actor's username. */
  actor?: string;
  /** Last seen at or after this time. */
  since?: Date;
  /** First seen before this time. */
  until?: Date;
  /** Case-insensitive text the title contains. */
  text?: string;
}

const MAX_TEXT = 200;

/**
 * The MongoDB filter of an {@link AlertFilter} on alert documents found under
 * `prefix` ('' for the alerts collection, 'alert.' for the change log).
 * @throws InvalidArgumentError naming the field: an unknown severity or status, a reversed time range, text over 200 characters
 */
export function alertFilter(
  filter: AlertFilter,
  prefix = '',
): Filter<Document> {
  const conditions: Filter<Document>[] = [];
  const add = (path: string, condition: unknown): void => {
    conditions.push({ [`${prefix}${path}`]: condition });
  };
  if (filter.cluster) {
    add('cluster', filter.cluster);
  }
  if (filter.ruleId) {
    add('ruleId', filter.ruleId);
  }
  if (filter.namespace) {
    add('target.namespace', filter.namespace);
  }
  if (filter.actor) {
    add('actor.username', filter.actor);
  }
  const minSeverity = filter.minSeverity ?? Severity.UNSPECIFIED;
  if (
    !Number.isInteger(minSeverity) ||
    minSeverity < Severity.UNSPECIFIED ||
    minSeverity > Severity.CRITICAL
  ) {
    throw new InvalidArgumentError(
      'min_severity',
      `unknown severity '${String(minSeverity)}'`,
    );
  }
  if (minSeverity !== Severity.UNSPECIFIED) {
    add('severity', { $gte: minSeverity });
  }
  if (
    filter.status !== undefined &&
    filter.status !== AlertStatus.UNSPECIFIED
  ) {
    const status = storedStatus(filter.status);
    if (status === undefined) {
      throw new InvalidArgumentError(
        'status',
        `unknown status '${String(filter.status)}'`,
      );
    }
    add('status', status);
  }
  if (filter.since && filter.until && filter.since >= filter.until) {
    throw new InvalidArgumentError(
      'until',
      `must be after since (${filter.since.toISOString()}), got ${filter.until.toISOString()}`,
    );
  }
  if (filter.since) {
    add('evidence.lastSeen', { $gte: filter.since });
  }
  if (filter.until) {
    add('evidence.firstSeen', { $lt: filter.until });
  }
  if (filter.text) {
    if (filter.text.length > MAX_TEXT) {
      throw new InvalidArgumentError(
        'text',
        `must be at most ${String(MAX_TEXT)} characters`,
      );
    }
    add('title', { $regex: escapeRegex(filter.text), $options: 'i' });
  }
  return conditions.length === 0 ? {} : { $and: conditions };
}

/** `text` as a pattern matching itself literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, ch => `\\${ch}`);
}
