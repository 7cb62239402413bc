import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFieldPath } from '../../../../shared/core/combiners';

describe('compileFieldPath', () => {
  const record = { a: 1, b: { c: 2, d: { e: 3, f: { g: 4, h: { i: 5 } } } }, n: null, s: 'text', arr: [{ x: 9 }] };

  it.each<[string, unknown]>([
    ['a', 1],
    ['b.c', 2],
    ['b.d.e', 3],
    ['b.d.f.g', 4],
    ['b.d.f.h.i', 5],
    ['missing', undefined],
    ['a.b', undefined],
    ['n.x', undefined],
    ['s.length', undefined],
    ['b.d.missing.x', undefined],
    ['arr.0.x', 9],
  ])('%s → %j', (path, expected) => {
    expect(compileFieldPath(path)(record)).toBe(expected);
  });

  it.each(['', '.a', 'a.', 'a..b', 'a.__proto__', 'constructor', 'a.prototype'])('rejects %j', (path) => {
    expect(() => compileFieldPath(path)).toThrow(RangeError);
  });

  it('agrees with a naive reduce over the segments for any nesting', () => {
    const segment = fc.constantFrom('a', 'b', 'c');
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.constant(null), fc.string({ maxLength: 2 }), fc.dictionary(segment, tie('node'), { noNullPrototype: true })),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(segment, tree, { noNullPrototype: true }), fc.array(segment, { minLength: 1, maxLength: 6 }), (r, segments) => {
        const naive = segments.reduce<unknown>((x, k) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), r);
        expect(compileFieldPath(segments.join('.'))(r)).toBe(naive);
      }),
    );
  });
});
