/**
 * The state a stateful rule keeps per group, in memory and as persisted. The
 * in-memory form is exactly what is persisted (times are whole milliseconds
 * of event time), so an evaluator restored from its changes behaves as the
 * one that wrote them.
 */

/** Bumped when the persisted shape changes; entries of another version are skipped. */
export const STATE_VERSION = 1;

/** One counted event: event time (ms) and audit ID. */
export type Seen = [time: number, auditId: string];

/** `count`: the events of the current window, oldest first. */
export interface CountState {
  type: 'count';
  events: Seen[];
  /** Events before this time are ignored: the burst that fired owns them. */
  floor: number;
}

/** `distinct`: each distinct value with its latest event. */
export interface DistinctState {
  type: 'distinct';
  values: Map<string, Seen>;
  floor: number;
}

/** `new-term`: when the group was first seen, and each term's last use, least recent first. */
export interface NewTermState {
  type: 'new-term';
  since: number;
  terms: Map<string, number>;
}

/** One matched step of a sequence. */
export type Step = [name: string, time: number, auditId: string];

/** `sequence`: partial sequences, at most one per number of matched steps. */
export interface SequenceState {
  type: 'sequence';
  partials: Step[][];
}

export type GroupState =
  CountState | DistinctState | NewTermState | SequenceState;

/** The persisted JSON of one group. */
export function encodeState(
  rule: string,
  group: string,
  state: GroupState,
): string {
  const head = { v: STATE_VERSION, rule, group };
  switch (state.type) {
    case 'count':
      return JSON.stringify({ ...head, ...state });
    case 'distinct':
      return JSON.stringify({
        ...head,
        type: state.type,
        values: [...state.values].map(([value, [time, id]]) => [
          value,
          time,
          id,
        ]),
        floor: state.floor,
      });
    case 'new-term':
      return JSON.stringify({
        ...head,
        type: state.type,
        since: state.since,
        terms: [...state.terms],
      });
    case 'sequence':
      return JSON.stringify({ ...head, ...state });
  }
}

/** A persisted group, read back; undefined when the JSON is not ours or of another version. */
export interface DecodedState {
  rule: string;
  group: string;
  state: GroupState;
}

/** Parses one persisted group, checking every field; undefined when it is unusable. */
export function decodeState(json: string): DecodedState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value['v'] !== STATE_VERSION) {
    return undefined;
  }
  const { rule, group } = value;
  if (typeof rule !== 'string' || typeof group !== 'string') {
    return undefined;
  }
  const state = decodeBody(value);
  return state === undefined ? undefined : { rule, group, state };
}

function decodeBody(value: Record<string, unknown>): GroupState | undefined {
  switch (value['type']) {
    case 'count': {
      const { events, floor } = value;
      return Array.isArray(events) && events.every(isSeen) && isTime(floor)
        ? { type: 'count', events, floor }
        : undefined;
    }
    case 'distinct': {
      const { values, floor } = value;
      if (!Array.isArray(values) || !isTime(floor)) {
        return undefined;
      }
      const map = new Map<string, Seen>();
      for (const item of values) {
        if (
          !Array.isArray(item) ||
          item.length !== 3 ||
          typeof item[0] !== 'string' ||
          !isSeen([item[1], item[2]])
        ) {
          return undefined;
        }
        map.set(item[0], [item[1] as number, item[2] as string]);
      }
      return { type: 'distinct', values: map, floor };
    }
    case 'new-term': {
      const { since, terms } = value;
      if (!isTime(since) || !Array.isArray(terms)) {
        return undefined;
      }
      const map = new Map<string, number>();
      for (const item of terms) {
        if (
          !Array.isArray(item) ||
          item.length !== 2 ||
          typeof item[0] !== 'string' ||
          !isTime(item[1])
        ) {
          return undefined;
        }
        map.set(item[0], item[1]);
      }
      return { type: 'new-term', since, terms: map };
    }
    case 'sequence': {
      const { partials } = value;
      return Array.isArray(partials) &&
        partials.every(p => Array.isArray(p) && p.length > 0 && p.every(isStep))
        ? { type: 'sequence', partials: partials as Step[][] }
        : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The latest time a state refers to (a cooldown's end included): restored
 * groups are ordered by it, least recently used first.
 */
export function latestTime(state: GroupState): number {
  return state.type === 'count' || state.type === 'distinct'
    ? Math.max(state.floor, latestEventTime(state))
    : latestEventTime(state);
}

/**
 * The latest event time a state holds. A restored evaluator starts its
 * expiry clock from the latest of these, which is never later than the
 * clock of the evaluator that wrote them, so nothing expires early.
 */
export function latestEventTime(state: GroupState): number {
  switch (state.type) {
    case 'count':
      return Math.max(0, ...state.events.map(([time]) => time));
    case 'distinct':
      return Math.max(0, ...[...state.values.values()].map(([time]) => time));
    case 'new-term':
      return Math.max(state.since, ...state.terms.values());
    case 'sequence':
      return Math.max(
        0,
        ...state.partials.flatMap(p => p.map(([, time]) => time)),
      );
  }
}

/**
 * Whether a group holds nothing that can matter at `time` or later: its
 * windows, cooldown, history and partial sequences have all run out. Such a
 * group behaves exactly like a missing one, so it can be dropped.
 */
export function isExpired(
  state: GroupState,
  spanMs: number,
  time: number,
): boolean {
  switch (state.type) {
    case 'count':
      return (
        time >= state.floor &&
        state.events.every(([seen]) => time - seen >= spanMs)
      );
    case 'distinct':
      return (
        time >= state.floor &&
        [...state.values.values()].every(([seen]) => time - seen >= spanMs)
      );
    case 'new-term':
      return [...state.terms.values()].every(seen => time - seen >= spanMs);
    case 'sequence':
      return state.partials.every(p => time - (p[0]?.[1] ?? 0) > spanMs);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isSeen(value: unknown): value is Seen {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    isTime(value[0]) &&
    typeof value[1] === 'string'
  );
}

function isStep(value: unknown): value is Step {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    typeof value[0] === 'string' &&
    isTime(value[1]) &&
    typeof value[2] === 'string'
  );
}
