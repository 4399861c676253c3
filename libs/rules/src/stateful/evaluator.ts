import type { AuditEvent, Detection } from '@kubeguard/contracts';

import type {
  CompiledAggregate,
  CompiledRule,
} from '../compile/compile-pack.js';
import type { Activation } from '../context.js';
import { buildDetection } from '../detection.js';
import type { StatefulEvaluator } from '../engine.js';
import { digest } from '../ids.js';

import {
  boundedValue,
  groupKeyOf,
  isKeyPrefix,
  keyPart,
  stateKey,
} from './keys.js';
import { stepNewTerm } from './new-term.js';
import { stepSequence } from './sequence.js';
import {
  decodeState,
  encodeState,
  isExpired,
  latestEventTime,
  latestTime,
  type GroupState,
} from './state.js';
import { stepCount, stepDistinct, type Burst } from './windows.js';

/** Options for {@link createStatefulEvaluator}. */
export interface StatefulEvaluatorOptions {
  /** The most groups (or join keys) one rule keeps; the least recently used go first. Default 10,000. */
  maxGroupsPerRule?: number;
  /** The most audit IDs (and distinct values) a detection lists. Default 50. */
  maxEvidence?: number;
  /** The most terms one `new-term` group remembers. Default 1,000. */
  maxTermsPerGroup?: number;
  /**
   * How long a new `new-term` group only learns: terms it uses in its first
   * `newTermLearningMs` are not reported. Default 0: only the group's first
   * event is its baseline. A detector that starts without stored state
   * should set this (e.g. a day), or every identity's second action is new.
   */
  newTermLearningMs?: number;
  /**
   * Whether to remember which groups changed for {@link PersistentStatefulEvaluator.takeChanges}.
   * Default true; an evaluator whose state is never persisted should pass
   * false, or the record of changes grows until takeChanges is called.
   */
  trackChanges?: boolean;
  /**
   * Put in front of every persistence key (`<keyPrefix>.<ruleId>.<hash>`):
   * with one evaluator per partition and the partition as prefix (`p7`), a
   * partition's state can be handed to another replica and restored alone.
   * Dot-separated tokens of `[-/_=a-zA-Z0-9]`. Default none.
   */
  keyPrefix?: string;
  /** Called when a sequence step's condition fails on an event (the step then does not match). */
  onError?: (rule: CompiledRule, err: unknown) => void;
}

/** One group's persisted state; `value` is undefined when the group was dropped. */
export interface StateChange {
  key: string;
  value: string | undefined;
}

/** What {@link PersistentStatefulEvaluator.restore} did with the entries it got. */
export interface RestoreResult {
  restored: number;
  /** Entries of another format version, not ours, or not matching their key. */
  skipped: number;
}

/** A stateful evaluator whose state can be stored and restored group by group. */
export interface PersistentStatefulEvaluator extends StatefulEvaluator {
  /**
   * The groups changed since the last call, each with its state as JSON
   * (undefined when dropped: expired, evicted or a completed sequence).
   * Keys are `<ruleId>.<sha256 hex>`, valid NATS KV keys.
   */
  takeChanges(): StateChange[];
  /**
   * Loads stored groups (e.g. a KV bucket's entries at start); later entries
   * of a key win. Entries under another key prefix, of another format
   * version or not matching their key are skipped.
   */
  restore(entries: Iterable<{ key: string; value: string }>): RestoreResult;
  /** How many groups the evaluator holds over all rules. */
  groupCount(): number;
}

interface RuleGroups {
  /** Least recently used first. */
  readonly groups: Map<string, GroupState>;
  /** The latest event time this rule has seen: groups older than their span are swept. */
  watermark: number;
}

const DEFAULTS = {
  maxGroupsPerRule: 10_000,
  maxEvidence: 50,
  maxTermsPerGroup: 1000,
  newTermLearningMs: 0,
};
/** Groups checked for expiry per observed event, oldest first. */
const SWEEP_PER_EVENT = 4;

/**
 * Evaluates `count`, `distinct`, `new-term` and `sequence` rules on event
 * time (`stageTimestamp`, else `requestReceivedTimestamp`, else `now`), so
 * replaying the same events gives the same detections with the same ids,
 * whenever and however fast they are replayed.
 *
 * - Groups are per cluster plus the `groupBy` values (or the `by` key).
 * - `count` / `distinct`: a sliding window holds events less than `window`
 *   apart. Reaching `threshold` fires once; the group then ignores events
 *   until `window` after the burst's first event, so a burst is one
 *   detection (id from the group and the burst's first event time) and the
 *   next burst starts from zero. A redelivered audit ID is not counted twice.
 * - `new-term`: fires when a group uses a term it has not used within
 *   `history`. A group with no history (its first event, or its first after
 *   `history` of silence) learns without firing, so a new identity's first
 *   action is not "new"; `newTermLearningMs` extends that to a period.
 * - `sequence`: per join key, steps must match in order, all within
 *   `maxSpan` of the first; the last step fires and the key starts over.
 *   A `by` that yields a list joins the event on each key (a binding with
 *   several subjects). Late or expired partial sequences are dropped.
 *
 * Detections carry the group's fingerprint (rule, cluster, group), so the
 * notifier folds one group's bursts into one alert. Memory is bounded:
 * expired groups are pruned as events arrive, and each rule keeps at most
 * `maxGroupsPerRule` groups. State can be persisted group by group with
 * {@link PersistentStatefulEvaluator.takeChanges} and loaded back with
 * {@link PersistentStatefulEvaluator.restore}.
 */
export function createStatefulEvaluator(
  options: StatefulEvaluatorOptions = {},
): PersistentStatefulEvaluator {
  const settings = {
    maxGroupsPerRule: positive(
      options.maxGroupsPerRule,
      DEFAULTS.maxGroupsPerRule,
    ),
    maxEvidence: positive(options.maxEvidence, DEFAULTS.maxEvidence),
    maxTermsPerGroup: positive(
      options.maxTermsPerGroup,
      DEFAULTS.maxTermsPerGroup,
    ),
    newTermLearningMs: Math.max(
      0,
      options.newTermLearningMs ?? DEFAULTS.newTermLearningMs,
    ),
    trackChanges: options.trackChanges ?? true,
    keyPrefix: options.keyPrefix ?? '',
  };
  if (settings.keyPrefix !== '' && !isKeyPrefix(settings.keyPrefix)) {
    throw new RangeError(
      `keyPrefix: expected dot-separated tokens of [-/_=a-zA-Z0-9], got '${settings.keyPrefix}'`,
    );
  }
  const rules = new Map<string, RuleGroups>();
  /** Rule id → groups changed since the last takeChanges. */
  const changed = new Map<string, Set<string>>();

  const groupsOf = (ruleId: string): RuleGroups => {
    let found = rules.get(ruleId);
    if (found === undefined) {
      found = { groups: new Map(), watermark: 0 };
      rules.set(ruleId, found);
    }
    return found;
  };
  const markChanged = (ruleId: string, group: string): void => {
    if (!settings.trackChanges) {
      return;
    }
    let set = changed.get(ruleId);
    if (set === undefined) {
      set = new Set();
      changed.set(ruleId, set);
    }
    set.add(group);
  };
  /** Stores a group's state as most recently used (or drops it), evicting past the cap. */
  const put = (
    ruleId: string,
    group: string,
    state: GroupState | undefined,
  ): void => {
    const { groups } = groupsOf(ruleId);
    groups.delete(group);
    markChanged(ruleId, group);
    if (state === undefined) {
      return;
    }
    groups.set(group, state);
    while (groups.size > settings.maxGroupsPerRule) {
      const oldest = groups.keys().next();
      if (oldest.done === true) {
        break;
      }
      groups.delete(oldest.value);
      markChanged(ruleId, oldest.value);
    }
  };
  /** Drops the least recently used groups that can no longer matter. */
  const sweep = (ruleId: string, spanMs: number): void => {
    const entry = rules.get(ruleId);
    if (entry === undefined) {
      return;
    }
    let checked = 0;
    for (const [group, state] of entry.groups) {
      if (
        checked >= SWEEP_PER_EVENT ||
        !isExpired(state, spanMs, entry.watermark)
      ) {
        break;
      }
      entry.groups.delete(group);
      markChanged(ruleId, group);
      checked += 1;
    }
  };

  const observe = (
    rule: CompiledRule,
    event: AuditEvent,
    activation: Activation,
    now: Date,
  ): Detection[] => {
    const aggregate = rule.aggregate;
    if (aggregate === undefined) {
      return [];
    }
    const ruleId = rule.doc.id;
    const time = eventTimeMs(event, now);
    const entry = groupsOf(ruleId);
    entry.watermark = Math.max(entry.watermark, time);
    const context: Context = {
      rule,
      aggregate,
      event,
      activation,
      now,
      time,
      settings,
      get: group => {
        const state = entry.groups.get(group);
        if (state === undefined) {
          return undefined;
        }
        // Used now: it moves to the back of the eviction order.
        entry.groups.delete(group);
        entry.groups.set(group, state);
        return state.type === aggregate.doc.type ? state : undefined;
      },
      put: (group, state) => put(ruleId, group, state),
      onError: options.onError,
    };
    const detections =
      aggregate.doc.type === 'sequence'
        ? observeSequence(context)
        : observeGroup(context);
    sweep(ruleId, aggregate.spanMs);
    return detections;
  };

  return {
    observe,
    takeChanges() {
      const out: StateChange[] = [];
      for (const [ruleId, groups] of changed) {
        const held = rules.get(ruleId)?.groups;
        for (const group of groups) {
          const state = held?.get(group);
          out.push({
            key: stateKey(ruleId, group, settings.keyPrefix),
            value:
              state === undefined
                ? undefined
                : encodeState(ruleId, group, state),
          });
        }
      }
      changed.clear();
      return out;
    },
    restore(entries) {
      let restored = 0;
      let skipped = 0;
      const loaded = new Map<
        string,
        { rule: string; group: string; state: GroupState }
      >();
      for (const { key, value } of entries) {
        const decoded = decodeState(value);
        if (
          decoded === undefined ||
          stateKey(decoded.rule, decoded.group, settings.keyPrefix) !== key
        ) {
          skipped += 1;
          continue;
        }
        loaded.set(key, decoded);
      }
      // Least recently used first, as the evaluator that wrote them held them.
      const ordered = [...loaded.values()].sort(
        (a, b) => latestTime(a.state) - latestTime(b.state),
      );
      for (const { rule, group, state } of ordered) {
        const entry = groupsOf(rule);
        entry.watermark = Math.max(entry.watermark, latestEventTime(state));
        entry.groups.delete(group);
        entry.groups.set(group, state);
        restored += 1;
        while (entry.groups.size > settings.maxGroupsPerRule) {
          const oldest = entry.groups.keys().next();
          if (oldest.done === true) {
            break;
          }
          entry.groups.delete(oldest.value);
          markChanged(rule, oldest.value);
        }
      }
      return { restored, skipped };
    },
    groupCount() {
      let total = 0;
      for (const { groups } of rules.values()) {
        total += groups.size;
      }
      return total;
    },
  };
}

interface Context {
  readonly rule: CompiledRule;
  readonly aggregate: CompiledAggregate;
  readonly event: AuditEvent;
  readonly activation: Activation;
  readonly now: Date;
  readonly time: number;
  readonly settings: {
    maxEvidence: number;
    maxTermsPerGroup: number;
    newTermLearningMs: number;
  };
  get(group: string): GroupState | undefined;
  put(group: string, state: GroupState | undefined): void;
  readonly onError: ((rule: CompiledRule, err: unknown) => void) | undefined;
}

/** count, distinct and new-term: one group per event, from `groupBy`. */
function observeGroup(context: Context): Detection[] {
  const { aggregate, event, activation, time, settings } = context;
  const doc = aggregate.doc;
  const values = aggregate.groupBy.map(program => program(activation));
  const group = groupKeyOf(event.cluster, values);
  const matched: Record<string, string> = {};
  if ('groupBy' in doc) {
    doc.groupBy.forEach((expression, i) => {
      matched[expression] = keyPart(values[i]);
    });
  }
  const state = context.get(group);
  const seen: [number, string] = [time, event.auditId];
  switch (doc.type) {
    case 'count': {
      const step = stepCount(
        state?.type === 'count' ? state : undefined,
        seen,
        aggregate.spanMs,
        doc.threshold,
      );
      if (step.changed) {
        context.put(group, step.state);
      }
      return step.burst
        ? [burstDetection(context, group, step.burst, matched)]
        : [];
    }
    case 'distinct': {
      const value = boundedValue(keyPart(aggregate.value?.(activation)));
      const step = stepDistinct(
        state?.type === 'distinct' ? state : undefined,
        value,
        seen,
        aggregate.spanMs,
        doc.threshold,
      );
      if (step.changed) {
        context.put(group, step.state);
      }
      if (!step.burst) {
        return [];
      }
      const shown = (step.burst.values ?? []).slice(0, settings.maxEvidence);
      return [
        burstDetection(context, group, step.burst, {
          ...matched,
          distinctValues: JSON.stringify(shown),
        }),
      ];
    }
    case 'new-term': {
      const term = boundedValue(keyPart(aggregate.value?.(activation)));
      const step = stepNewTerm(
        state?.type === 'new-term' ? state : undefined,
        term,
        time,
        {
          historyMs: aggregate.spanMs,
          learningMs: settings.newTermLearningMs,
          maxTerms: settings.maxTermsPerGroup,
        },
      );
      if (step.changed) {
        context.put(group, step.state);
      }
      if (!step.isNew) {
        return [];
      }
      return [
        detection(context, group, {
          idKey: `${group}\u0000${term}\u0000${String(time)}`,
          auditIds: [event.auditId],
          firstSeen: new Date(time),
          lastSeen: new Date(time),
          count: 1,
          matched: { ...matched, term },
        }),
      ];
    }
    case 'sequence':
      return [];
  }
}

/** sequence: one join key per event (or several, when `by` gives a list). */
function observeSequence(context: Context): Detection[] {
  const { rule, aggregate, activation, event, time } = context;
  const byValue = aggregate.by?.(activation);
  const keys = [
    ...new Set(
      (Array.isArray(byValue) ? byValue : [byValue])
        .map(keyPart)
        .filter(key => key !== ''),
    ),
  ];
  if (keys.length === 0) {
    return [];
  }
  const matches = aggregate.steps.map(step => {
    try {
      return step.condition(activation) === true;
    } catch (err) {
      context.onError?.(rule, err);
      return false;
    }
  });
  if (!matches.includes(true)) {
    return [];
  }
  const names = aggregate.steps.map(step => step.name);
  const detections: Detection[] = [];
  for (const key of keys) {
    const group = groupKeyOf(event.cluster, [key]);
    const state = context.get(group);
    const step = stepSequence(
      state?.type === 'sequence' ? state : undefined,
      names,
      matches,
      time,
      event.auditId,
      aggregate.spanMs,
    );
    if (step.changed) {
      context.put(group, step.state);
    }
    if (step.completed === undefined) {
      continue;
    }
    const steps = step.completed;
    const matched: Record<string, string> = { by: key };
    for (const [name, , auditId] of steps) {
      matched[`step.${name}`] = auditId;
    }
    const first = steps[0];
    detections.push(
      detection(context, group, {
        idKey: `${group}\u0000${String(first?.[1] ?? time)}\u0000${first?.[2] ?? ''}`,
        auditIds: steps.map(([, , auditId]) => auditId),
        firstSeen: new Date(first?.[1] ?? time),
        lastSeen: new Date(time),
        count: steps.length,
        matched,
      }),
    );
  }
  return detections;
}

function burstDetection(
  context: Context,
  group: string,
  burst: Burst,
  matched: Record<string, string>,
): Detection {
  return detection(context, group, {
    idKey: `${group}\u0000${String(burst.start)}`,
    auditIds: burst.seen
      .slice(0, context.settings.maxEvidence)
      .map(([, auditId]) => auditId),
    firstSeen: new Date(burst.start),
    lastSeen: new Date(burst.end),
    count: burst.seen.length,
    matched,
  });
}

/**
 * The detection, with the fingerprint of the group rather than of the last
 * event's target: one identity's burst over many secrets is one incident.
 */
function detection(
  context: Context,
  group: string,
  overrides: Parameters<typeof buildDetection>[4],
): Detection {
  const { rule, event, activation, now } = context;
  return {
    ...buildDetection(rule, event, activation, now, overrides),
    fingerprint: digest(rule.doc.id, event.cluster, group),
  };
}

/** The event's own time in ms: the stage timestamp, else when it was received, else `now`. */
export function eventTimeMs(event: AuditEvent, now: Date): number {
  const micros = event.stageUnixMicros || event.requestReceivedUnixMicros;
  return micros > 0 ? Math.floor(micros / 1000) : now.getTime();
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 1
    ? Math.floor(value)
    : fallback;
}
