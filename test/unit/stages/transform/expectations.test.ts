import { describe, expect, it } from 'vitest';
import type { Expectation } from '../../../../shared/pipeline';
import { ExpectationSuite } from '../../../../shared/stages/transform';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const run = (e: Expectation, record: Record<string, unknown>, eventTime = NOW) => {
  const suite = new ExpectationSuite([e]);
  const r = suite.evaluate(record, eventTime, NOW);
  return r.failed.length + r.warned.length === 0 ? 'pass' : 'fail';
};

describe('ExpectationSuite', () => {
  it.each<[string, Expectation, Record<string, unknown>, 'pass' | 'fail']>([
    ['notNull present', { id: 'x', kind: 'notNull', field: 'a' }, { a: 0 }, 'pass'],
    ['notNull empty string', { id: 'x', kind: 'notNull', field: 'a' }, { a: '' }, 'pass'],
    ['notNull null', { id: 'x', kind: 'notNull', field: 'a' }, { a: null }, 'fail'],
    ['notNull missing', { id: 'x', kind: 'notNull', field: 'a' }, {}, 'fail'],
    ['notNull nested', { id: 'x', kind: 'notNull', field: 'g.c' }, { g: { c: 'eu' } }, 'pass'],
    ['notNull nested missing', { id: 'x', kind: 'notNull', field: 'g.c' }, { g: {} }, 'fail'],
    ['notNull ignores the prototype', { id: 'x', kind: 'notNull', field: 'toString' }, {}, 'fail'],
    ['range at min', { id: 'x', kind: 'range', field: 'a', min: 0, max: 10 }, { a: 0 }, 'pass'],
    ['range at max', { id: 'x', kind: 'range', field: 'a', min: 0, max: 10 }, { a: 10 }, 'pass'],
    ['range below', { id: 'x', kind: 'range', field: 'a', min: 0, max: 10 }, { a: -0.001 }, 'fail'],
    ['range above', { id: 'x', kind: 'range', field: 'a', min: 0, max: 10 }, { a: 10.5 }, 'fail'],
    ['range exclusive min at min', { id: 'x', kind: 'range', field: 'a', min: 0, exclusiveMin: true }, { a: 0 }, 'fail'],
    ['range exclusive max at max', { id: 'x', kind: 'range', field: 'a', max: 5, exclusiveMax: true }, { a: 5 }, 'fail'],
    ['range null passes', { id: 'x', kind: 'range', field: 'a', min: 0 }, { a: null }, 'pass'],
    ['range non-number fails', { id: 'x', kind: 'range', field: 'a', min: 0 }, { a: '5' }, 'fail'],
    ['regex match', { id: 'x', kind: 'regex', field: 'a', pattern: '^d-[0-9]+$' }, { a: 'd-12' }, 'pass'],
    ['regex miss', { id: 'x', kind: 'regex', field: 'a', pattern: '^d-[0-9]+$' }, { a: 'D-12' }, 'fail'],
    ['regex flags', { id: 'x', kind: 'regex', field: 'a', pattern: '^d-[0-9]+$', flags: 'i' }, { a: 'D-12' }, 'pass'],
    ['regex global flag is stateless', { id: 'x', kind: 'regex', field: 'a', pattern: 'a', flags: 'g' }, { a: 'a' }, 'pass'],
    ['regex on an object fails', { id: 'x', kind: 'regex', field: 'a', pattern: '.*' }, { a: { b: 1 } }, 'fail'],
    ['allowed', { id: 'x', kind: 'allowedValues', field: 'a', values: ['x', 1, true] }, { a: 1 }, 'pass'],
    ['allowed is strict', { id: 'x', kind: 'allowedValues', field: 'a', values: ['x', 1, true] }, { a: '1' }, 'fail'],
    ['not allowed', { id: 'x', kind: 'allowedValues', field: 'a', values: ['x'] }, { a: 'y' }, 'fail'],
    ['length in range', { id: 'x', kind: 'length', field: 'a', min: 2, max: 3 }, { a: 'héé' }, 'pass'],
    ['length counts code points', { id: 'x', kind: 'length', field: 'a', max: 2 }, { a: '😀😀' }, 'pass'],
    ['length too long', { id: 'x', kind: 'length', field: 'a', max: 2 }, { a: 'abc' }, 'fail'],
    ['length of an array', { id: 'x', kind: 'length', field: 'a', min: 1 }, { a: [] }, 'fail'],
  ])('%s', (_name, e, record, expected) => {
    expect(run(e, record)).toBe(expected);
  });

  describe('maxAge', () => {
    const day = 86_400_000;
    it.each<[string, number, 'pass' | 'fail']>([
      ['exactly maxAge old', NOW - day, 'pass'],
      ['1 ms older than maxAge', NOW - day - 1, 'fail'],
      ['now', NOW, 'pass'],
      ['exactly maxFuture ahead', NOW + 5 * 60_000, 'pass'],
      ['1 ms beyond maxFuture', NOW + 5 * 60_000 + 1, 'fail'],
    ])('on the event time: %s', (_n, t, expected) => {
      expect(run({ id: 'f', kind: 'maxAge', maxAge: '1d', maxFuture: '5m' }, {}, t)).toBe(expected);
    });

    it('without maxFuture any future time passes', () => {
      expect(run({ id: 'f', kind: 'maxAge', maxAge: { hours: 1 } }, {}, NOW + 10 * day)).toBe('pass');
    });

    it.each<[unknown, 'pass' | 'fail']>([
      [new Date(NOW - 30_000).toISOString(), 'pass'],
      [new Date(NOW - 120_000).toISOString(), 'fail'],
      [NOW - 30_000, 'pass'],
      [String(NOW - 120_000), 'fail'],
      ['not a time', 'fail'],
      [null, 'pass'],
    ])('on a field %j', (value, expected) => {
      expect(run({ id: 'f', kind: 'maxAge', field: 'seen', maxAge: '1m' }, { seen: value }, 0)).toBe(expected);
    });
  });

  it('runs every rule, separates errors from warnings and counts per rule', () => {
    const suite = new ExpectationSuite([
      { id: 'pos', kind: 'range', field: 'n', min: 0 },
      { id: 'small', kind: 'range', field: 'n', max: 10, severity: 'warn' },
      { id: 'named', kind: 'notNull', field: 'name' },
    ]);
    const values = [-1, 5, 20, 3, -7];
    const results = values.map((n, i) => suite.evaluate({ n, ...(i % 2 ? { name: 'a' } : {}) }, NOW, NOW));
    expect(results.map((r) => r.failed.map((f) => f.id))).toEqual([['pos', 'named'], [], ['named'], [], ['pos', 'named']]);
    expect(results.map((r) => r.warned.map((f) => f.id))).toEqual([[], [], ['small'], [], []]);
    // Reference counts computed from the inputs.
    const pos = values.filter((n) => n >= 0).length;
    const small = values.filter((n) => n <= 10).length;
    const named = values.filter((_, i) => i % 2).length;
    expect(suite.takeCounts()).toEqual({
      pos: { passed: pos, failed: values.length - pos },
      small: { passed: small, failed: values.length - small },
      named: { passed: named, failed: values.length - named },
    });
    expect(suite.takeCounts()).toEqual({});
  });

  it('messages state the rule and the value', () => {
    const suite = new ExpectationSuite([{ id: 'r', kind: 'range', field: 't', min: -60, max: 125 }]);
    expect(suite.evaluate({ t: 300 }, NOW, NOW).failed[0]!.message).toBe('t must satisfy -60 ≤ value ≤ 125; got 300');
  });
});
