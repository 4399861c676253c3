import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { normalizePayload, splitPayload } from '../src/index.js';

const fixture = (name: string): string =>
  readFileSync(
    new URL(`../../../fixtures/k8s-audit/${name}`, import.meta.url),
    'utf8',
  );
const base = JSON.parse(fixture('anonymous-list-secrets.json')) as Record<
  string,
  unknown
>;
const context = { cluster: 'c', rawBatchId: 'r' };
const lines = (...events: Record<string, unknown>[]): string =>
  events.map(e => JSON.stringify(e)).join('\n');

describe('normalizePayload stages', () => {
  it('keeps ResponseComplete, exec and 401 ResponseStarted; skips RequestReceived, other ResponseStarted and repeats', () => {
    const exec = {
      ...base,
      auditID: 'exec-1',
      stage: 'ResponseStarted',
      verb: 'create',
      objectRef: {
        resource: 'pods',
        subresource: 'exec',
        namespace: 'default',
        name: 'web',
      },
      responseStatus: { code: 101 },
    };
    const result = normalizePayload(
      lines(
        { ...base, stage: 'RequestReceived' },
        base,
        base,
        exec,
        { ...base, auditID: 'watch-1', stage: 'ResponseStarted' },
        {
          ...base,
          auditID: 'unauth-1',
          stage: 'ResponseStarted',
          responseStatus: { code: 401 },
        },
      ),
      context,
    );
    expect(result.events.map(e => [e.auditId, e.stage])).toEqual([
      ['6f1c5f8e-2f4b-4bb0-9f57-0a3f1f2b7d01', 'ResponseComplete'],
      ['exec-1', 'ResponseStarted'],
      ['unauth-1', 'ResponseStarted'],
    ]);
    expect(result.skipped.map(s => s.index)).toEqual([0, 2, 4]);
    expect(result.rejected).toEqual([]);
  });
});

/** A seeded PRNG so a failure can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES: unknown[] = [
  null,
  0,
  -1,
  1e308,
  '',
  'x'.repeat(3),
  [],
  {},
  [1, 'a'],
  { a: { b: [] } },
  true,
];

/** Replaces a random field, at any depth, with a value of another type. */
function mutate(value: unknown, rnd: () => number): unknown {
  if (Array.isArray(value)) {
    return (value as unknown[]).map(v => (rnd() < 0.3 ? mutate(v, rnd) : v));
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const roll = rnd();
      if (roll < 0.08) {
        continue; // drop the field
      }
      out[k] =
        roll < 0.25
          ? ODD_VALUES[Math.floor(rnd() * ODD_VALUES.length)]
          : mutate(v, rnd);
    }
    return out;
  }
  return value;
}

describe('normalizePayload on random and mutated input', () => {
  const sources = [
    'eventlist-anonymous-and-ordinary.json',
    'create-secret-v1beta1.json',
    'anonymous-healthz.json',
  ].map(fixture);

  it('accounts for every record as an event, a rejection with a reason, or a skip; it never throws', () => {
    const rnd = seeded(20261123);
    for (let round = 0; round < 600; round += 1) {
      const source = sources[round % sources.length] ?? '';
      let text: string;
      const kind = round % 4;
      if (kind === 0) {
        text = JSON.stringify(mutate(JSON.parse(source), rnd));
      } else if (kind === 1) {
        text = source.slice(0, Math.floor(rnd() * source.length)); // truncated JSON
      } else if (kind === 2) {
        const bytes = Buffer.from(source);
        for (let i = 0; i < 5; i += 1) {
          bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
        }
        text = bytes.toString('utf8'); // corrupted bytes
      } else {
        text = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () =>
          JSON.stringify(
            mutate(JSON.parse(fixture('ordinary-get-pod.json')), rnd),
          ),
        ).join('\n');
      }
      const result = normalizePayload(text, context);
      const records = splitPayload(text).length;
      expect(
        result.events.length + result.rejected.length + result.skipped.length,
      ).toBe(records);
      for (const rejected of result.rejected) {
        expect(rejected.rejection.detail.length).toBeGreaterThan(0);
        expect([
          'NOT_JSON',
          'NOT_AUDIT_EVENT',
          'MISSING_FIELD',
          'WRONG_TYPE',
        ]).toContain(rejected.rejection.reason);
      }
      for (const event of result.events) {
        expect(event.auditId).not.toBe('');
        expect(event.verb).not.toBe('');
      }
    }
  });

  it('handles a huge object without trouble', () => {
    const huge = {
      ...base,
      objectRef: { resource: 'configmaps', namespace: 'default', name: 'big' },
      level: 'RequestResponse',
      requestObject: {
        kind: 'ConfigMap',
        data: Object.fromEntries(
          Array.from({ length: 20_000 }, (_, i) => [
            `k${String(i)}`,
            'v'.repeat(100),
          ]),
        ),
      },
    };
    const result = normalizePayload(JSON.stringify(huge), context);
    expect(result.events).toHaveLength(1);
    expect(result.events[0]?.requestObjectJson.length).toBeGreaterThan(
      2_000_000,
    );
  });
});
