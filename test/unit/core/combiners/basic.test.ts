import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approxDistinctFn, approxQuantilesFn, countFn, latestFn, maxFn, meanFn, minFn, sumFn, topKFn, type CombineFn } from '../../../../shared/core/combiners';
import { exactSumScaled, withinScaled } from './exact-reference';
import { addAll, addSplit, anyValue, expectJsonSafe, isFiniteNumber, isNullish, splitPlan } from './harness';

const out = <I, A, O>(fn: CombineFn<I, A, O>, inputs: readonly I[]): O => fn.extractOutput(addAll(fn, inputs));

/** Naive references, computed directly from the inputs. */
const finite = (xs: readonly unknown[]): number[] => xs.filter(isFiniteNumber);
const skipped = (xs: readonly unknown[]) => ({
  nulls: xs.filter(isNullish).length,
  invalid: xs.filter((x) => !isNullish(x) && !isFiniteNumber(x)).length,
});

describe('count', () => {
  it.each([
    [[], 0],
    [[1], 1],
    [[1, null, 'x', undefined, -3], 5],
  ])('counts every input of %j', (inputs, expected) => {
    expect(out(countFn(), inputs)).toBe(expected);
  });

  it('merges in any split and order to the number of inputs', () => {
    fc.assert(
      fc.property(fc.array(anyValue, { maxLength: 60 }), splitPlan, (inputs, plan) => {
        expect(countFn().extractOutput(addSplit(countFn(), inputs, plan))).toBe(inputs.length);
      }),
    );
  });
});

describe('sum', () => {
  it.each<[string, unknown[], number | null]>([
    ['empty', [], null],
    ['one', [5], 5],
    ['many', [1, 2, 3, 4], 10],
    ['negative', [-1.5, -2.5, 3], -1],
    ['only nulls', [null, undefined], null],
    ['nulls and invalid skipped', [1, null, '2', true, Number.NaN, Infinity, { a: 1 }, 2], 3],
    ['-0 becomes 0', [-0], 0],
    // A plain += loses the small terms entirely: (1e16 + 1) - 1e16 + 1 = 0 with +=.
    ['compensated', [1e16, 1, -1e16, 1], 2],
    ['0.1 ten times', Array(10).fill(0.1), 1],
  ])('%s', (_, inputs, expected) => {
    const acc = addAll(sumFn(), inputs);
    expect(Object.is(sumFn().extractOutput(acc), expected)).toBe(true);
    expect({ nulls: acc.nulls, invalid: acc.invalid }).toEqual(skipped(inputs));
    expectJsonSafe(acc);
  });

  it('is exact and split-independent on integers', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.constant(null), fc.constant('x')), { maxLength: 80 }), splitPlan, (inputs, plan) => {
        const ns = finite(inputs);
        const expected = ns.length === 0 ? null : Number(ns.reduce((s, x) => s + BigInt(x), 0n));
        const acc = addSplit(sumFn(), inputs, plan);
        expect(sumFn().extractOutput(acc)).toBe(expected);
        expect({ nulls: acc.nulls, invalid: acc.invalid }).toEqual(skipped(inputs));
        expectJsonSafe(acc);
      }),
    );
  });

  it('is within the compensated-sum bound of the exact sum on any floats, in any split', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: -1e300, max: 1e300, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), anyValue), { maxLength: 60 }), splitPlan, (inputs, plan) => {
        const ns = finite(inputs);
        fc.pre(ns.every((x) => Math.abs(x) <= 1e300)); // overflow is tested separately
        const got = sumFn().extractOutput(addSplit(sumFn(), inputs, plan));
        if (ns.length === 0) {
          expect(got).toBeNull();
          return;
        }
        const exact = exactSumScaled(ns);
        const abs = ns.reduce((s, x) => s + Math.abs(x), 0);
        // Neumaier: |error| ≤ 2ε|S| + O(n ε²) Σ|x|; with merges the n counts every add and merge.
        const eps = 2 ** -53;
        const tolerance = 2 * eps * Math.abs(got as number) + 4 * ns.length * eps * eps * abs + Number.MIN_VALUE;
        expect(withinScaled(got as number, exact, tolerance)).toBe(true);
      }),
    );
  });
});

describe('sum overflow', () => {
  it('skips and counts as invalid a value that would overflow the sum, never storing Infinity', () => {
    const acc = addAll(sumFn(), [1e308, 1e308, -1]);
    expect(sumFn().extractOutput(acc)).toBe(1e308 - 1);
    expect({ n: acc.n, invalid: acc.invalid }).toEqual({ n: 2, invalid: 1 });
    expectJsonSafe(acc);
  });

  it('skips and counts an accumulator whose merge would overflow', () => {
    const a = addAll(sumFn(), [1e308]);
    const b = addAll(sumFn(), [1e308, 5e307]);
    const merged = sumFn().mergeAccumulators([a, b]);
    expect(sumFn().extractOutput(merged)).toBe(1e308);
    expect({ n: merged.n, invalid: merged.invalid }).toEqual({ n: 1, invalid: 2 });
    expectJsonSafe(merged);
  });
});

describe('mean', () => {
  it.each<[string, unknown[], number | null]>([
    ['empty', [], null],
    ['one', [4], 4],
    ['many', [1, 2, 3, 4], 2.5],
    ['negative', [-2, -4], -3],
    ['nulls and invalid skipped', [null, 'x', 6, undefined, 2], 4],
  ])('%s', (_, inputs, expected) => {
    expect(out(meanFn(), inputs)).toBe(expected);
  });

  it('merges exactly as sum and count, in any split', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), anyValue), { maxLength: 80 }), splitPlan, (inputs, plan) => {
        fc.pre(finite(inputs).every((x) => Number.isInteger(x) && Math.abs(x) <= 2 ** 40));
        const ns = finite(inputs);
        const expected = ns.length === 0 ? null : Number(ns.reduce((s, x) => s + BigInt(x), 0n)) / ns.length;
        expect(meanFn().extractOutput(addSplit(meanFn(), inputs, plan))).toBe(expected);
      }),
    );
  });
});

describe.each([
  ['min', minFn, (xs: number[]) => Math.min(...xs)],
  ['max', maxFn, (xs: number[]) => Math.max(...xs)],
] as const)('%s', (name, make, reference) => {
  it.each<[string, unknown[]]>([
    ['empty', []],
    ['one', [7]],
    ['many', [3, 9, -1, 4]],
    ['negative', [-5, -2, -9]],
    ['nulls and invalid', [null, 'z', 2, Number.NaN, undefined, 1, -Infinity]],
    ['only nulls', [null, undefined]],
    ['zeros', [-0, 0, -0]],
  ])(`${name} of %s`, (_, inputs) => {
    const ns = finite(inputs);
    const expected = ns.length === 0 ? null : reference(ns) + 0;
    const acc = addAll(make(), inputs);
    expect(Object.is(make().extractOutput(acc), expected)).toBe(true);
    expect({ nulls: acc.nulls, invalid: acc.invalid }).toEqual(skipped(inputs));
    expectJsonSafe(acc);
  });

  it(`${name} merges in any split and order to the naive ${name}`, () => {
    fc.assert(
      fc.property(fc.array(anyValue, { maxLength: 60 }), splitPlan, (inputs, plan) => {
        const ns = finite(inputs);
        const acc = addSplit(make(), inputs, plan);
        expect(make().extractOutput(acc)).toBe(ns.length === 0 ? null : reference(ns) + 0);
        expect({ nulls: acc.nulls, invalid: acc.invalid }).toEqual(skipped(inputs));
      }),
    );
  });
});

describe('latest', () => {
  const at = (value: unknown, timestamp: number) => ({ value, timestamp });

  it.each<[string, { value: unknown; timestamp: number }[], unknown]>([
    ['empty', [], null],
    ['one', [at('a', 5)], 'a'],
    ['by event time, not arrival', [at('new', 20), at('old', 10)], 'new'],
    ['negative timestamps', [at('a', -5), at('b', -10)], 'a'],
    ['nulls skipped', [at('a', 1), at(null, 9), at(undefined, 10)], 'a'],
    ['invalid skipped', [at('a', 1), at(Number.NaN, 9), at('b', Number.NaN)], 'a'],
    ['objects kept', [at({ x: 1 }, 3), at('a', 1)], { x: 1 }],
    ['-0 kept as 0 (JSON has no -0)', [at(-0, 1)], 0],
    ['tie: greatest canonical JSON wins', [at('b', 5), at('a', 5)], 'b'],
    ['tie across types: JSON text 3 sorts after "b"', [at('b', 5), at(3, 5)], 3],
  ])('%s', (_, inputs, expected) => {
    expect(out(latestFn(), inputs)).toEqual(expected);
  });

  it('breaks ties the same way in either order', () => {
    const a = at({ k: 1, j: 2 }, 7);
    const b = at({ j: 2, k: 2 }, 7);
    expect(out(latestFn(), [a, b])).toEqual(out(latestFn(), [b, a]));
  });

  /** Reference: the greatest (timestamp, canonical JSON) among valid inputs, by a different canonicaliser. */
  const canonical = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) =>
      x !== null && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : 1)))
        : x,
    );
  const validLatest = (v: unknown) => (typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'object' && v !== null));

  it('merges in any split and order to the naive latest', () => {
    const input = fc.record({
      value: fc.oneof(anyValue, fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 2 }), { noNullPrototype: true })),
      timestamp: fc.integer({ min: -5, max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40 }), splitPlan, (inputs, plan) => {
        const valid = inputs.filter((x) => validLatest(x.value));
        valid.sort((p, q) => p.timestamp - q.timestamp || (canonical(p.value) < canonical(q.value) ? -1 : canonical(p.value) > canonical(q.value) ? 1 : 0));
        const last = valid[valid.length - 1];
        const expected = last === undefined ? null : typeof last.value === 'number' ? last.value + 0 : last.value;
        const acc = addSplit(latestFn(), inputs, plan);
        expect(latestFn().extractOutput(acc)).toEqual(expected);
        expect(acc.nulls).toBe(inputs.filter((x) => isNullish(x.value)).length);
        expect(acc.invalid).toBe(inputs.length - valid.length - acc.nulls);
        expectJsonSafe(acc);
      }),
    );
  });
});

describe('merging an accumulator with itself', () => {
  it.each([
    ['count', countFn(), [1, 2]],
    ['sum', sumFn(), [1.5, 2, null]],
    ['mean', meanFn(), [1.5, 2, 'x']],
    ['min', minFn(), [3, -1]],
    ['max', maxFn(), [3, -1]],
    ['approxDistinct', approxDistinctFn({ precision: 4 }), ['a', 'b', 'c', 'd', 'e', 'f', null]],
    ['approxQuantiles', approxQuantilesFn({ quantiles: [0.5] }), [1, -2, 0, 1e6]],
    ['topK', topKFn({ k: 2 }), ['a', 'b', 'a', null]],
  ] as const)('%s: doubles the input', (_, fn, inputs) => {
    const f = fn as CombineFn<unknown, unknown, unknown>;
    const acc = addAll(f, inputs);
    expect(JSON.stringify(f.mergeAccumulators([acc, acc]))).toBe(JSON.stringify(addAll(f, [...inputs, ...inputs])));
  });
});
