import type { SequenceState, Step } from './state.js';

/** The outcome of one event for one join key. */
export interface SequenceStep {
  /** Undefined when the key holds nothing any more. */
  state: SequenceState | undefined;
  changed: boolean;
  /** The completed sequence, first step first. */
  completed?: Step[];
}

/**
 * Moves a join key's partial sequences on by one event. `matches[i]` says
 * whether the event meets step i. The key keeps at most one partial
 * sequence per number of matched steps (the latest to get there, as EQL
 * does): an event that meets step i extends the partial that has matched
 * steps 0..i-1, if that one started at most `maxSpanMs` earlier and its
 * last step is not later than this event; an event that meets step 0
 * starts a new partial. Steps are tried last first, so one event never
 * makes two steps of one sequence. When the last step matches, the
 * sequence is reported and the key starts over. Expired partials, and
 * events older than a partial's last step, are dropped. An event already in
 * a partial (a redelivery) does not extend it again.
 */
export function stepSequence(
  state: SequenceState | undefined,
  stepNames: readonly string[],
  matches: readonly boolean[],
  time: number,
  auditId: string,
  maxSpanMs: number,
): SequenceStep {
  const before = state?.partials ?? [];
  // Drop what ran out, and anything the rule's steps no longer describe.
  const partials = before.filter(
    p =>
      p.length < stepNames.length &&
      time - (p[0]?.[1] ?? time) <= maxSpanMs &&
      p.every(([name], i) => name === stepNames[i]),
  );
  let changed = partials.length !== before.length;
  const byLength = new Map(partials.map(p => [p.length, p] as const));
  for (let i = stepNames.length - 1; i >= 0; i -= 1) {
    if (matches[i] !== true) {
      continue;
    }
    const step: Step = [stepNames[i] ?? '', time, auditId];
    if (i === 0) {
      const started = byLength.get(1);
      const repeat = [...byLength.values()].some(p =>
        p.some(([, , id]) => id === auditId),
      );
      if (
        !repeat &&
        (started === undefined || (started[0]?.[1] ?? 0) <= time)
      ) {
        byLength.set(1, [step]);
        changed = true;
      }
      continue;
    }
    const partial = byLength.get(i);
    if (
      partial === undefined ||
      partial.some(([, , id]) => id === auditId) ||
      (partial[partial.length - 1]?.[1] ?? 0) > time
    ) {
      continue;
    }
    const extended = [...partial, step];
    if (i === stepNames.length - 1) {
      return { state: undefined, changed: true, completed: extended };
    }
    byLength.delete(i);
    byLength.set(i + 1, extended);
    changed = true;
  }
  const next = [...byLength.values()].sort((a, b) => a.length - b.length);
  return {
    state: next.length === 0 ? undefined : { type: 'sequence', partials: next },
    changed,
  };
}
