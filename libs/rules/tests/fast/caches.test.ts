/**
 * The compiled closures' shortcuts: what they cache is never stale, and
 * values outside the compiled model go to cel-js.
 */
import { describe, expect, it } from 'vitest';

import { compileCel } from '../../src/compile/cel-env.js';
import {
  imageRepository,
  ipInAny,
  matchesAny,
  pathIsUnder,
} from '../../src/compile/functions.js';
import { RULE_FUNCTIONS } from '../../src/compile/fast/index.js';

import { agree, compileBoth, outcome, show } from './differential.js';

describe('values outside the compiled model', () => {
  const cases: readonly (readonly [string, Record<string, unknown>])[] = [
    ['requestObject.a.b == 1', { requestObject: { a: new Map([['b', 1]]) } }],
    ['has(requestObject.a.b)', { requestObject: { a: new Map([['b', 1]]) } }],
    ['requestObject.a == 1', { requestObject: { a: new Date(0) } }],
    ['requestObject.a', { requestObject: { a: { constructor: 'x' } } }],
    [
      'requestObject.a.exists(x, x == 2)',
      { requestObject: { a: [1, undefined] } },
    ],
    ['size(requestObject.a) > 0', { requestObject: { a: new Set([1]) } }],
    ['requestObject.?a.?b.orValue(2)', { requestObject: { a: new Map() } }],
    ['lists.x == []', { lists: new Map([['x', []]]) }],
  ];

  it.each(cases)(
    '%s is evaluated by cel-js (compileCel falls back)',
    (text, activation) => {
      const pair = compileBoth(text);
      const fast = outcome(pair.fast ?? (() => undefined), activation);
      expect(fast.kind).toBe('bail');
      const program = compileCel(text);
      const viaCompileCel = outcome(program, activation);
      const celjs = outcome(pair.celjs, activation);
      expect(agree(viaCompileCel, celjs), show(viaCompileCel)).toBe(true);
    },
  );
});

describe('inherited properties', () => {
  const texts = [
    'requestObject.a.b',
    'requestObject.polluted',
    'has(requestObject.polluted)',
    'requestObject.?polluted.orValue(0)',
    '"polluted" in requestObject',
    'requestObject.exists(k, k == "polluted")',
    'requestObject == {"a": {"b": 1}}',
  ];

  it.each(texts)('are not fields: %s', text => {
    const pair = compileBoth(text);
    const prototype = Object.prototype as Record<string, unknown>;
    prototype['polluted'] = 1;
    try {
      for (const requestObject of [
        Object.create({ a: { b: 1 } }) as object,
        { a: { b: 1 } },
      ]) {
        const fast = outcome(pair.fast ?? (() => undefined), { requestObject });
        const celjs = outcome(pair.celjs, { requestObject });
        expect(agree(fast, celjs), `${show(fast)} / ${show(celjs)}`).toBe(true);
      }
    } finally {
      delete prototype['polluted'];
    }
  });
});

describe('result caches of the list functions', () => {
  it('follow a change of list', () => {
    const program = compileCel('matchesAny(verb, lists.globs)');
    expect(program({ verb: 'kube-proxy', lists: { globs: ['kube*'] } })).toBe(
      true,
    );
    expect(program({ verb: 'kube-proxy', lists: { globs: ['x*'] } })).toBe(
      false,
    );
    const globs = ['x*'];
    const activation = { verb: 'kube-proxy', lists: { globs } };
    expect(program(activation)).toBe(false);
    globs.push('kube*');
    expect(program(activation)).toBe(true);
  });

  it('are not used for computed lists that change', () => {
    const program = compileCel('ipInAny(verb, lists.a + lists.b)');
    const b = ['10.0.0.0/8'];
    const activation = { verb: '10.1.1.1', lists: { a: [], b } };
    expect(program(activation)).toBe(true);
    b[0] = '192.168.0.0/16';
    expect(program({ verb: '10.1.1.1', lists: { a: [], b: [...b] } })).toBe(
      false,
    );
  });

  it('hold pure functions that give false for no entries', () => {
    for (const [name, fn] of RULE_FUNCTIONS) {
      if (fn.emptyList === undefined) {
        continue;
      }
      const impl = fn.impl as (s: string, l: readonly string[]) => unknown;
      for (const value of ['', '/', '10.0.0.1', '::1', 'kube-proxy', '*']) {
        expect(impl(value, []), name).toBe(fn.emptyList);
      }
    }
    // The table calls the implementations the environment registers.
    expect(RULE_FUNCTIONS.get('pathIsUnder')?.impl).toBe(pathIsUnder);
    expect(RULE_FUNCTIONS.get('matchesAny')?.impl).toBe(matchesAny);
    expect(RULE_FUNCTIONS.get('ipInAny')?.impl).toBe(ipInAny);
    expect(RULE_FUNCTIONS.get('imageRepository')?.impl).toBe(imageRepository);
  });

  it('are bounded, and still right past the bound', () => {
    const program = compileCel('pathIsUnder(requestURI, lists.paths)');
    const lists = { paths: ['/etc'] };
    for (let i = 0; i < 10_000; i += 1) {
      const path = i % 2 === 0 ? `/etc/${String(i)}` : `/var/${String(i)}`;
      expect(program({ requestURI: path, lists })).toBe(i % 2 === 0);
    }
  });
});

describe('loop-invariant subexpressions', () => {
  const text =
    'requestObject.pods.exists(p, lists.names.exists(n, (p.name + "-" + p.tag).contains(n)))';

  it('are evaluated afresh for each outer element and each evaluation', () => {
    const program = compileCel(text);
    const pair = compileBoth(text);
    const activations = [
      {
        requestObject: { pods: [{ name: 'a', tag: 'x' }, { name: 'b' }] },
        lists: { names: ['b-'] },
      },
      {
        requestObject: {
          pods: [
            { name: 'a', tag: 'x' },
            { name: 'b', tag: 'y' },
          ],
        },
        lists: { names: ['b-'] },
      },
      {
        requestObject: { pods: [{ name: 'b' }, { name: 'a', tag: 'x' }] },
        lists: { names: ['q', 'a-x'] },
      },
      { requestObject: { pods: [] }, lists: { names: ['a'] } },
    ];
    const results = activations.map(a => show(outcome(program, a)));
    expect(results).toEqual(activations.map(a => show(outcome(pair.celjs, a))));
    expect(results.map(r => r.split(' ')[0])).toEqual([
      'error',
      'value',
      'value',
      'value',
    ]);
  });
});

describe('variables read several times in an expression', () => {
  it('are read again in the next evaluation', () => {
    const program = compileCel('verb == "get" || verb == "list"');
    const activation: Record<string, unknown> = { verb: 'get' };
    expect(program(activation)).toBe(true);
    activation['verb'] = 'list';
    expect(program(activation)).toBe(true);
    activation['verb'] = 'watch';
    expect(program(activation)).toBe(false);
  });

  it('read a getter only when the expression reaches it', () => {
    let reads = 0;
    const activation = {
      verb: 'get',
      get requestObject(): unknown {
        reads += 1;
        return { a: 1 };
      },
    };
    const program = compileCel(
      'verb == "list" && (requestObject.a == 1 || requestObject.a == 2)',
    );
    expect(program(activation)).toBe(false);
    expect(reads).toBe(0);
    const other = compileCel(
      'verb == "get" && (requestObject.a == 2 || requestObject.a == 1)',
    );
    expect(other(activation)).toBe(true);
    expect(reads).toBe(1);
  });
});
