import type { NewTermState } from './state.js';

/** Settings of a `new-term` group. */
export interface NewTermSettings {
  historyMs: number;
  /** A group's terms in its first `learningMs` are learned, not reported. */
  learningMs: number;
  /** The most terms a group remembers; the least recently used go first. */
  maxTerms: number;
}

/** The outcome of one event for one group. */
export interface NewTermStep {
  state: NewTermState;
  changed: boolean;
  /** The term is new for a group that already had history. */
  isNew: boolean;
}

/**
 * Records one use of a term by a group. A term is new when the group has
 * not used it within `historyMs`. A group with no history (its first event
 * ever, or its first after `historyMs` of silence) learns its first term
 * without reporting it: without that baseline, every identity's first
 * action would be "new". A term's last use is only moved forward in steps
 * of a hundredth of the history, so a busy group is not rewritten to the
 * store on every event.
 */
export function stepNewTerm(
  state: NewTermState | undefined,
  term: string,
  time: number,
  settings: NewTermSettings,
): NewTermStep {
  const { historyMs } = settings;
  // Terms are kept least recently used first: expired ones sit at the front.
  let pruned = false;
  if (state !== undefined) {
    for (const [known, seen] of state.terms) {
      if (time - seen < historyMs) {
        break;
      }
      state.terms.delete(known);
      pruned = true;
    }
  }
  if (state === undefined || state.terms.size === 0) {
    return {
      state: { type: 'new-term', since: time, terms: new Map([[term, time]]) },
      changed: true,
      isNew: false,
    };
  }
  const { terms } = state;
  const seen = terms.get(term);
  if (seen !== undefined && time - seen < historyMs) {
    if (time - seen < refreshStep(historyMs)) {
      return { state, changed: pruned, isNew: false };
    }
    terms.delete(term);
    terms.set(term, time);
    return { state, changed: true, isNew: false };
  }
  terms.delete(term);
  terms.set(term, time);
  while (terms.size > settings.maxTerms) {
    const oldest = terms.keys().next();
    if (oldest.done === true) {
      break;
    }
    terms.delete(oldest.value);
  }
  return {
    state,
    changed: true,
    isNew: time - state.since >= settings.learningMs,
  };
}

/** How far a term's last use must move before it is rewritten. */
function refreshStep(historyMs: number): number {
  return Math.max(1000, Math.floor(historyMs / 100));
}
