import type { AuditEvent, Detection } from '@kubeguard/contracts';
import { describe, expect, it } from 'vitest';

import {
  BUILTIN_PACK_DIR,
  createStatefulEvaluator,
  loadPacks,
  STATE_VERSION,
  stateKey,
  type CompiledPack,
  type CompiledRule,
  type StateChange,
} from '../../src/index.js';

import {
  at,
  DAY,
  firedAt,
  HOUR,
  MINUTE,
  normalizeAll,
  replay,
  ruleOf,
  testPack,
} from './replay.js';

/** NATS KV keys: these characters, not starting or ending with a dot. */
const KV_KEY = /^[-/_=.a-zA-Z0-9]+$/;

const pack = testPack({
  burst: {
    condition: 'true',
    aggregate:
      'aggregate: { type: count, groupBy: [user.username], window: 5m, threshold: 3 }',
  },
  names: {
    condition: 'true',
    aggregate: [
      'aggregate:',
      '  type: distinct',
      '  groupBy: [user.username, sourceIPs]',
      '  distinct: objectRef.name',
      '  window: 10m',
      '  threshold: 3',
    ].join('\n'),
  },
  agents: {
    condition: 'true',
    aggregate:
      'aggregate: { type: new-term, groupBy: [user.username], term: userAgent, history: 7d }',
  },
  abc: {
    aggregate: [
      'aggregate:',
      '  type: sequence',
      '  by: user.username',
      '  maxSpan: 10m',
      '  steps:',
      '    - { name: a, condition: "objectRef.resource == \'configmaps\'" }',
      '    - { name: b, condition: "objectRef.resource == \'pods\'" }',
      '    - { name: c, condition: "objectRef.resource == \'secrets\'" }',
    ].join('\n'),
  },
});

const USERS = [
  'alice',
  'bob',
  'system:serviceaccount:shop:cart',
  'ünïcode user/with.dots',
];
const RESOURCES = ['configmaps', 'pods', 'secrets', 'services'];
const AGENTS = [
  'kubectl/v1.31.2',
  'curl/8.5.0',
  'helm/3.16',
  'python-requests/2.32',
];

/** A deterministic mixed timeline: several users, resources, agents and gaps. */
function timeline(length: number, seed: number): AuditEvent[] {
  let state = seed;
  const next = (n: number): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return (state >>> 16) % n;
  };
  let time = 0;
  const raws = Array.from({ length }, (_, i) => {
    time += [1, 20_000, 2 * MINUTE, 11 * MINUTE, 3 * DAY][next(5)] ?? 1;
    return {
      auditID: `t${String(seed)}-${String(i)}`,
      verb: 'get',
      user: {
        username: USERS[next(USERS.length)],
        groups: ['system:authenticated'],
      },
      sourceIPs: [`10.0.0.${String(next(2))}`],
      userAgent: AGENTS[next(AGENTS.length)],
      objectRef: {
        resource: RESOURCES[next(RESOURCES.length)],
        namespace: 'shop',
        name: `o${String(next(6))}`,
      },
      stageTimestamp: at(time),
    };
  });
  return normalizeAll(raws);
}

/** Applies changes to a map, as the detector applies them to a KV bucket. */
function apply(kv: Map<string, string>, changes: readonly StateChange[]): void {
  for (const { key, value } of changes) {
    if (value === undefined) {
      kv.delete(key);
    } else {
      kv.set(key, value);
    }
  }
}

function ids(detections: readonly Detection[]): unknown[] {
  return detections.map(d => [d.detectionId, d.evidence]);
}

/**
 * Runs events straight through one evaluator, and again through one that
 * stops after `split` events, persists its changes, and a second one
 * restored from them that takes the rest. Both must raise the same
 * detections after the split.
 */
function splitRun(
  thePack: CompiledPack,
  rules: readonly CompiledRule[],
  events: readonly AuditEvent[],
  split: number,
): {
  straight: Detection[];
  resumed: Detection[];
  straightKv: Map<string, string>;
  resumedKv: Map<string, string>;
} {
  const whole = replay(thePack, rules, events);
  const straightKv = new Map<string, string>();
  apply(straightKv, whole.evaluator.takeChanges());
  const head = replay(thePack, rules, events.slice(0, split));
  const resumedKv = new Map<string, string>();
  apply(resumedKv, head.evaluator.takeChanges());
  const restored = createStatefulEvaluator();
  const outcome = restored.restore(
    [...resumedKv].map(([key, value]) => ({ key, value })),
  );
  expect(outcome.skipped).toBe(0);
  const tail = replay(thePack, rules, events.slice(split), {
    evaluator: restored,
  });
  apply(resumedKv, restored.takeChanges());
  return {
    straight: whole.perEvent.slice(split).flat(),
    resumed: tail.detections,
    straightKv,
    resumedKv,
  };
}

describe('persisted state', () => {
  it('names changed groups with KV-safe keys and versioned JSON', () => {
    const result = replay(pack, pack.rules, timeline(200, 7));
    const changes = result.evaluator.takeChanges();
    expect(changes.length).toBeGreaterThan(0);
    for (const { key, value } of changes) {
      expect(key).toMatch(KV_KEY);
      expect(key.startsWith('.') || key.endsWith('.')).toBe(false);
      if (value !== undefined) {
        const parsed = JSON.parse(value) as {
          v: number;
          rule: string;
          group: string;
        };
        expect(parsed.v).toBe(STATE_VERSION);
        expect(key).toBe(stateKey(parsed.rule, parsed.group));
        expect(key.startsWith(`${parsed.rule}.`)).toBe(true);
      }
    }
    expect(new Set(changes.map(c => c.key)).size).toBe(changes.length);
    // Nothing happened since: nothing to write.
    expect(result.evaluator.takeChanges()).toEqual([]);
  });

  it('keys one group the same way every time, and different groups differently', () => {
    expect(stateKey('burst', '["c","alice"]')).toBe(
      stateKey('burst', '["c","alice"]'),
    );
    expect(stateKey('burst', '["c","alice"]')).not.toBe(
      stateKey('burst', '["c","bob"]'),
    );
    expect(stateKey('burst', '["c","alice"]')).not.toBe(
      stateKey('names', '["c","alice"]'),
    );
    expect(stateKey('burst', '["c","alice"]')).toMatch(/^burst\.[0-9a-f]{64}$/);
  });

  it('does not rewrite a group whose state did not change', () => {
    const agents = ruleOf(pack, 'agents');
    const calls = [0, MINUTE, 2 * MINUTE].map((t, i) => ({
      auditID: `c${String(i)}`,
      userAgent: 'kubectl',
      stageTimestamp: at(t),
    }));
    const evaluator = createStatefulEvaluator();
    const [first, ...rest] = normalizeAll(calls);
    if (!first) throw new Error('events');
    replay(pack, agents, [first], { evaluator });
    expect(evaluator.takeChanges()).toHaveLength(1);
    replay(pack, agents, rest, { evaluator });
    expect(evaluator.takeChanges()).toEqual([]);
  });

  it("reports a completed sequence's key as dropped", () => {
    const abc = ruleOf(pack, 'abc');
    const events = normalizeAll(
      ['configmaps', 'pods', 'secrets'].map((resource, i) => ({
        objectRef: { resource, namespace: 'shop', name: 'x' },
        stageTimestamp: at(i),
      })),
    );
    const evaluator = createStatefulEvaluator();
    replay(pack, abc, events.slice(0, 2), { evaluator });
    const [partial] = evaluator.takeChanges();
    expect(partial?.value).toBeDefined();
    expect(
      replay(pack, abc, events.slice(2), { evaluator }).detections,
    ).toHaveLength(1);
    expect(evaluator.takeChanges()).toEqual([
      { key: partial?.key, value: undefined },
    ]);
  });

  it.each([3, 11, 29])(
    'a restored evaluator behaves as the one that wrote the state (mixed timeline, seed %i)',
    seed => {
      const events = timeline(300, seed);
      const rulesThatFire = new Set(
        replay(pack, pack.rules, events).detections.map(d => d.ruleId),
      );
      // The timeline is busy enough to make every kind of rule fire.
      expect([...rulesThatFire].sort()).toEqual([
        'abc',
        'agents',
        'burst',
        'names',
      ]);
      for (const split of [1, 17, 60, 150, 299]) {
        const run = splitRun(pack, pack.rules, events, split);
        expect(ids(run.resumed)).toEqual(ids(run.straight));
        expect(run.resumedKv).toEqual(run.straightKv);
      }
    },
  );

  const builtin = loadPacks([BUILTIN_PACK_DIR]);
  const fireExamples = builtin.rules
    .filter(rule => rule.aggregate !== undefined)
    .flatMap(rule =>
      rule.doc.examples.fire.map(
        example => [`${rule.doc.id}: ${example.name}`, rule, example] as const,
      ),
    );
  it.each(fireExamples)(
    '%s fires the same after a restart at any point',
    (_label, rule, example) => {
      const events = normalizeAll(
        example.events ?? (example.event ? [example.event] : []),
      );
      for (let split = 0; split <= events.length; split += 1) {
        const run = splitRun(builtin, [rule], events, split);
        expect(ids(run.resumed)).toEqual(ids(run.straight));
      }
    },
  );

  it('skips entries it cannot use and says how many', () => {
    const result = replay(pack, pack.rules, timeline(60, 5));
    const entries = result.evaluator
      .takeChanges()
      .flatMap(c =>
        c.value === undefined ? [] : [{ key: c.key, value: c.value }],
      );
    const [good] = entries;
    if (!good) throw new Error('no state');
    const evaluator = createStatefulEvaluator();
    const outcome = evaluator.restore([
      ...entries,
      { key: 'burst.x', value: 'not json' },
      {
        key: good.key,
        value: good.value.replace(`"v":${String(STATE_VERSION)}`, '"v":999'),
      },
      { key: 'burst.0000', value: good.value },
      {
        key: 'burst.y',
        value: JSON.stringify({
          v: STATE_VERSION,
          rule: 'burst',
          group: 'g',
          type: 'count',
          events: 'x',
          floor: 0,
        }),
      },
      {
        key: stateKey('burst', 'h'),
        value: JSON.stringify({
          v: STATE_VERSION,
          rule: 'burst',
          group: 'h',
          type: 'histogram',
        }),
      },
    ]);
    expect(outcome).toEqual({ restored: entries.length, skipped: 5 });
    expect(evaluator.groupCount()).toBe(entries.length);
  });

  it('puts a key prefix in front of every key, and restores only its own prefix', () => {
    const events = timeline(60, 5);
    const p3 = createStatefulEvaluator({ keyPrefix: 'p3' });
    replay(pack, pack.rules, events, { evaluator: p3 });
    const changes = p3.takeChanges();
    expect(changes.length).toBeGreaterThan(0);
    for (const { key } of changes) {
      expect(key).toMatch(/^p3\.[a-z]+\.[0-9a-f]{64}$/);
    }
    const entries = changes.flatMap(c =>
      c.value === undefined ? [] : [{ key: c.key, value: c.value }],
    );
    expect(
      createStatefulEvaluator({ keyPrefix: 'p3' }).restore(entries),
    ).toEqual({
      restored: entries.length,
      skipped: 0,
    });
    expect(
      createStatefulEvaluator({ keyPrefix: 'p4' }).restore(entries),
    ).toEqual({
      restored: 0,
      skipped: entries.length,
    });
    expect(() => createStatefulEvaluator({ keyPrefix: 'p3.' })).toThrow(
      /keyPrefix/,
    );
    expect(() => createStatefulEvaluator({ keyPrefix: 'a b' })).toThrow(
      /keyPrefix/,
    );
  });

  it('starts afresh when a restored group has another type than the rule now has', () => {
    const burst = ruleOf(pack, 'burst');
    const group = JSON.stringify(['test', 'alice@example.com']);
    const evaluator = createStatefulEvaluator();
    evaluator.restore([
      {
        key: stateKey('burst', group),
        value: JSON.stringify({
          v: STATE_VERSION,
          rule: 'burst',
          group,
          type: 'new-term',
          since: 0,
          terms: [['x', 0]],
        }),
      },
    ]);
    const events = normalizeAll(
      [0, 1, 2].map(t => ({ stageTimestamp: at(t) })),
    );
    expect(replay(pack, burst, events, { evaluator }).detections).toHaveLength(
      1,
    );
  });
});

describe('bounded memory', () => {
  it('keeps at most maxGroupsPerRule groups per rule, dropping the least recently used', () => {
    const burst = ruleOf(pack, 'burst');
    const evaluator = createStatefulEvaluator({ maxGroupsPerRule: 2 });
    const read = (t: number, user: string) => ({
      user: { username: user, groups: ['system:authenticated'] },
      stageTimestamp: at(t),
    });
    const events = normalizeAll([
      read(0, 'alice'),
      read(1, 'bob'),
      read(2, 'bob'),
      read(3, 'carol'),
      read(4, 'bob'),
      read(5, 'alice'),
      read(6, 'alice'),
    ]);
    const result = replay(pack, burst, events, { evaluator });
    // carol pushed alice out, so alice's count starts again; bob's third read fires.
    expect(result.perEvent.map(d => d.length)).toEqual([0, 0, 0, 0, 1, 0, 0]);
    expect(evaluator.groupCount()).toBe(2);
    const dropped = evaluator.takeChanges().filter(c => c.value === undefined);
    expect(dropped.length).toBeGreaterThan(0);
  });

  it('counts a group as used whenever it sees an event, even one that changes nothing', () => {
    const agents = ruleOf(pack, 'agents');
    const evaluator = createStatefulEvaluator({ maxGroupsPerRule: 2 });
    const call = (t: number, username: string, agent: string) => ({
      user: { username, groups: [] },
      userAgent: agent,
      stageTimestamp: at(t),
    });
    const events = normalizeAll([
      call(0, 'alice', 'kubectl'),
      call(1, 'bob', 'kubectl'),
      call(2, 'alice', 'kubectl'),
      call(3, 'carol', 'kubectl'),
      call(4, 'alice', 'curl'),
    ]);
    // alice's repeat kept her; carol pushed bob out, so alice's new agent is still new to her.
    expect(firedAt(replay(pack, agents, events, { evaluator }))).toEqual([4]);
  });

  it('records no changes when asked not to', () => {
    const evaluator = createStatefulEvaluator({ trackChanges: false });
    replay(pack, pack.rules, timeline(50, 3), { evaluator });
    expect(evaluator.groupCount()).toBeGreaterThan(0);
    expect(evaluator.takeChanges()).toEqual([]);
  });

  it('drops groups that ran out as later events arrive', () => {
    const agents = ruleOf(pack, 'agents');
    const evaluator = createStatefulEvaluator();
    const users = Array.from({ length: 20 }, (_, i) => `user${String(i)}`);
    const early = normalizeAll(
      users.map((username, i) => ({
        user: { username, groups: [] },
        stageTimestamp: at(i),
      })),
      'early',
    );
    replay(pack, agents, early, { evaluator });
    expect(evaluator.groupCount()).toBe(20);
    evaluator.takeChanges();
    const late = normalizeAll(
      Array.from({ length: 10 }, (_, i) => ({
        user: { username: 'late', groups: [] },
        stageTimestamp: at(8 * DAY + i * HOUR),
      })),
      'late',
    );
    replay(pack, agents, late, { evaluator });
    expect(evaluator.groupCount()).toBe(1);
    expect(
      evaluator.takeChanges().filter(c => c.value === undefined),
    ).toHaveLength(20);
  });

  it('holds a bounded state on a long busy timeline', () => {
    const result = replay(pack, pack.rules, timeline(3000, 13), {
      evaluatorOptions: { maxGroupsPerRule: 5 },
    });
    expect(result.errors).toEqual([]);
    expect(result.evaluator.groupCount()).toBeLessThanOrEqual(
      5 * pack.rules.length,
    );
    for (const { value } of result.evaluator.takeChanges()) {
      expect((value ?? '').length).toBeLessThan(4000);
    }
  });
});
