import type { CountState, DistinctState, Seen } from './state.js';

/** What a window reports when it reaches its threshold. */
export interface Burst {
  /** Time of the earliest counted event: with the group, it makes the detection id. */
  start: number;
  end: number;
  /** The counted events, oldest first. */
  seen: Seen[];
  /** distinct: the values counted, in the order of `seen`. */
  values?: string[];
}

/** The outcome of one event for one group. */
export interface WindowStep<S> {
  state: S;
  changed: boolean;
  burst?: Burst;
}

/**
 * Adds one event to a sliding `count` window. A window holds events whose
 * times lie less than `windowMs` apart (half-open: an event exactly
 * `windowMs` after another is in the next window). When the window holds
 * `threshold` events it fires once; the group then ignores events until
 * `windowMs` after the burst's first event, so a burst gives one detection
 * and the next one starts afresh. An audit ID already in the window (a
 * redelivered event) does not count twice.
 */
export function stepCount(
  state: CountState | undefined,
  seen: Seen,
  windowMs: number,
  threshold: number,
): WindowStep<CountState> {
  const current = state ?? { type: 'count', events: [], floor: 0 };
  const [time, auditId] = seen;
  if (time < current.floor || current.events.some(([, id]) => id === auditId)) {
    return { state: current, changed: false };
  }
  const events = insertByTime(current.events, seen);
  const newest = events[events.length - 1]?.[0] ?? time;
  let first = 0;
  while (
    first < events.length &&
    newest - (events[first]?.[0] ?? 0) >= windowMs
  ) {
    first += 1;
  }
  const inWindow = events.slice(first);
  if (inWindow.length >= threshold) {
    const start = inWindow[0]?.[0] ?? time;
    return {
      state: { type: 'count', events: [], floor: start + windowMs },
      changed: true,
      burst: { start, end: newest, seen: inWindow },
    };
  }
  return {
    state: { type: 'count', events: inWindow, floor: current.floor },
    changed: true,
  };
}

/**
 * Adds one event to a sliding `distinct` window: the number of different
 * values seen less than `windowMs` apart, each value at its latest event.
 * Fires and cools down like {@link stepCount}.
 */
export function stepDistinct(
  state: DistinctState | undefined,
  value: string,
  seen: Seen,
  windowMs: number,
  threshold: number,
): WindowStep<DistinctState> {
  const current = state ?? {
    type: 'distinct',
    values: new Map<string, Seen>(),
    floor: 0,
  };
  const [time] = seen;
  const known = current.values.get(value);
  if (time < current.floor || (known !== undefined && known[0] >= time)) {
    return { state: current, changed: false };
  }
  const values = new Map(current.values);
  values.delete(value);
  values.set(value, seen);
  let newest = time;
  for (const [at] of values.values()) {
    newest = Math.max(newest, at);
  }
  for (const [key, [at]] of values) {
    if (newest - at >= windowMs) {
      values.delete(key);
    }
  }
  if (values.size >= threshold) {
    const counted = [...values].sort(([, [a]], [, [b]]) => a - b);
    const start = counted[0]?.[1][0] ?? time;
    return {
      state: {
        type: 'distinct',
        values: new Map(),
        floor: start + windowMs,
      },
      changed: true,
      burst: {
        start,
        end: newest,
        seen: counted.map(([, s]) => s),
        values: counted.map(([v]) => v),
      },
    };
  }
  return {
    state: { type: 'distinct', values, floor: current.floor },
    changed: true,
  };
}

/** The events with one more, kept in time order (a late event slots in). */
function insertByTime(events: readonly Seen[], seen: Seen): Seen[] {
  let at = events.length;
  while (at > 0 && (events[at - 1]?.[0] ?? 0) > seen[0]) {
    at -= 1;
  }
  return [...events.slice(0, at), seen, ...events.slice(at)];
}
