import { AlertStatus } from '@kubeguard/contracts';
import { InvalidArgumentError } from '@kubeguard/errors';

import {
  storedStatus,
  type AlertDocument,
  type StoredStatus,
} from './alert-document.js';
import { entry } from './aggregate.js';

/** A change someone makes to an alert; unset fields stay as they are. */
export interface AlertUpdate {
  /** UNSPECIFIED (or unset) keeps the status. */
  status?: AlertStatus;
  /** Why it is resolved or dismissed; required to dismiss. */
  reason?: string;
  /** The new assignee; '' unassigns. */
  assignee?: string;
  /** A comment to add. */
  comment?: string;
}

/**
 * The statuses a person may move an alert to. Back to `new` only happens
 * automatically, when a resolved alert fires again.
 */
const ALLOWED: Record<StoredStatus, readonly StoredStatus[]> = {
  new: ['in_progress', 'resolved', 'dismissed'],
  in_progress: ['resolved', 'dismissed'],
  resolved: ['in_progress'],
  dismissed: ['in_progress'],
};

const MAX_REASON = 2000;
const MAX_ASSIGNEE = 200;
const MAX_COMMENT = 10_000;
/** More than a team writes on one alert; keeps the document far below 16 MB. */
export const MAX_COMMENTS = 1000;

/**
 * The alert after `update` by `who` (pure), with one history entry per
 * changed aspect; undefined when nothing would change (a repeated request).
 * @throws InvalidArgumentError naming the field: an unknown status, a
 *   transition not allowed, a dismissal without reason, a reason without a
 *   status change to resolved or dismissed, an over-long value, or an empty update
 */
export function applyUpdate(
  current: AlertDocument,
  update: AlertUpdate,
  who: string,
  now: Date,
  historyLimit: number,
): AlertDocument | undefined {
  const target = targetStatus(update.status);
  const reason = update.reason ?? '';
  const comment = update.comment ?? '';
  if (target === undefined && update.assignee === undefined && comment === '') {
    throw new InvalidArgumentError(
      'status',
      'nothing to change: set status, assignee or comment',
    );
  }
  checkLength('reason', reason, MAX_REASON);
  checkLength('assignee', update.assignee ?? '', MAX_ASSIGNEE);
  checkLength('comment', comment, MAX_COMMENT);

  const history = [...current.history];
  const next: AlertDocument = { ...current, history };
  const statusChanges = target !== undefined && target !== current.status;
  if (statusChanges) {
    if (!ALLOWED[current.status].includes(target)) {
      throw new InvalidArgumentError(
        'status',
        `cannot go from '${current.status}' to '${target}'`,
      );
    }
    if (target === 'dismissed' && reason.trim() === '') {
      throw new InvalidArgumentError('reason', 'required to dismiss an alert');
    }
    next.status = target;
    next.statusReason =
      target === 'resolved' || target === 'dismissed' ? reason : '';
    history.push(entry(now, who, 'status', current.status, target, reason));
  }
  if (
    reason !== '' &&
    !(statusChanges && (target === 'resolved' || target === 'dismissed'))
  ) {
    throw new InvalidArgumentError(
      'reason',
      'only applies when the status changes to resolved or dismissed',
    );
  }
  if (update.assignee !== undefined && update.assignee !== current.assignee) {
    next.assignee = update.assignee;
    history.push(
      entry(now, who, 'assigned', current.assignee, update.assignee, ''),
    );
  }
  if (comment !== '') {
    if (current.comments.length >= MAX_COMMENTS) {
      throw new InvalidArgumentError(
        'comment',
        `the alert already has ${String(MAX_COMMENTS)} comments`,
      );
    }
    next.comments = [
      ...current.comments,
      { author: who, text: comment, at: now },
    ];
    history.push(entry(now, who, 'commented', '', '', comment));
  }
  if (history.length === current.history.length) {
    return undefined;
  }
  next.history = history.slice(-historyLimit);
  next.revision = current.revision + 1;
  next.updatedAt = now;
  return next;
}

function targetStatus(
  status: AlertStatus | undefined,
): StoredStatus | undefined {
  if (status === undefined || status === AlertStatus.UNSPECIFIED) {
    return undefined;
  }
  const stored = storedStatus(status);
  if (stored === undefined) {
    throw new InvalidArgumentError(
      'status',
      `unknown status '${String(status)}'`,
    );
  }
  return stored;
}

function checkLength(field: string, value: string, max: number): void {
  if (value.length > max) {
    throw new InvalidArgumentError(
      field,
      `must be at most ${String(max)} characters, got ${String(value.length)}`,
    );
  }
}
