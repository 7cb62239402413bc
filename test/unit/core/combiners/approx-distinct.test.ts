import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approxDistinctFn, approxDistinctStandardError } from '../../../../shared/core/combiners';
import { addAll, addSplit, anyValue, expectJsonSafe, splitPlan } from './harness';

/** Exact distinct count of the values HLL accepts (strings, finite numbers, booleans; typed). */
function exactDistinct(xs: readonly unknown[]): number {
  const seen = new Set<string>();
  for (const x of xs) {
    if (typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x))) {
      seen.add(`${typeof x}:${typeof x === 'number' ? String(x + 0) : String(x)}`);
    }
  }
  return seen.size;
}

describe('approxDistinct', () => {
  const fn = approxDistinctFn();

  it.each<[string, unknown[], number]>([
    ['empty', [], 0],
    ['one', ['a'], 1],
    ['duplicates', ['a', 'a', 'a'], 1],
    ['typed: 1 and "1" differ, -0 is 0', [1, '1', 0, -0, true, 'true'], 5],
    ['nulls and invalid skipped', [null, undefined, Number.NaN, { a: 1 }, [1], 'x'], 1],
  ])('%s', (_, inputs, expected) => {
    const acc = addAll(fn, inputs);
    expect(fn.extractOutput(acc)).toBe(expected);
    expectJsonSafe(acc);
  });

  it('counts nulls and invalid values', () => {
    const acc = addAll(fn, [null, undefined, Number.NaN, Infinity, { a: 1 }, 'x']);
    expect({ nulls: acc.nulls, invalid: acc.invalid }).toEqual({ nulls: 2, invalid: 3 });
  });

  // The documented bound: relative standard error 1.04/√m. Deterministic inputs, so this either
  // always passes or always fails; 3σ leaves room for the one draw each case is.
  it.each([
    [10, 1_000],
    [10, 10_000],
    [10, 100_000],
    [12, 1_000],
    [12, 10_000],
    [12, 100_000],
    [14, 1_000],
    [14, 10_000],
    [14, 100_000],
  ])('precision %i, %i distinct values: error within 3 standard errors', (precision, n) => {
    const hll = approxDistinctFn({ precision });
    let acc = hll.createAccumulator();
    for (let i = 0; i < n; i++) acc = hll.addInput(acc, `user-${i}@example.com`);
    for (let i = 0; i < n; i += 3) acc = hll.addInput(acc, `user-${i}@example.com`); // duplicates change nothing
    const relativeError = (hll.extractOutput(acc) - n) / n;
    expect(Math.abs(relativeError)).toBeLessThanOrEqual(3 * approxDistinctStandardError(precision));
  });

  it('has a root-mean-square error close to 1.04/√m over many independent sets', () => {
    const precision = 10;
    const hll = approxDistinctFn({ precision });
    const n = 5_000;
    let squares = 0;
    const trials = 60;
    for (let t = 0; t < trials; t++) {
      let acc = hll.createAccumulator();
      for (let i = 0; i < n; i++) acc = hll.addInput(acc, `set-${t}/${i}`);
      squares += ((hll.extractOutput(acc) - n) / n) ** 2;
    }
    const rms = Math.sqrt(squares / trials);
    // The RMS of 60 draws of a normal with σ = SE lies within ±30 % of σ with overwhelming probability.
    expect(rms / approxDistinctStandardError(precision)).toBeGreaterThan(0.6);
    expect(rms / approxDistinctStandardError(precision)).toBeLessThan(1.4);
  });

  it.each([4, 6, 12])('precision %i: any split and order gives a bit-identical sketch, near the exact count', (precision) => {
    const hll = approxDistinctFn({ precision });
    const value = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.string({ maxLength: 3 }), anyValue);
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), splitPlan, (inputs, plan) => {
        const whole = addAll(hll, inputs);
        const split = addSplit(hll, inputs, plan);
        expect(JSON.stringify(split)).toBe(JSON.stringify(whole));
        expectJsonSafe(split);
        const exact = exactDistinct(inputs);
        // 5 standard errors (+1 for rounding): a bound that a correct sketch essentially never exceeds.
        expect(Math.abs(hll.extractOutput(split) - exact)).toBeLessThanOrEqual(5 * approxDistinctStandardError(precision) * exact + 1);
      }),
    );
  });

  it('switches from sparse to dense registers once more than m/4 are set', () => {
    const hll = approxDistinctFn({ precision: 6 });
    let acc = hll.createAccumulator();
    for (let i = 0; i < 5; i++) acc = hll.addInput(acc, i);
    expect(acc.sparse).not.toBeNull();
    for (let i = 5; i < 200; i++) acc = hll.addInput(acc, i);
    expect(acc.sparse).toBeNull();
    expect(acc.dense).toHaveLength(64);
  });

  it.each([3, 17, 12.5, Number.NaN])('rejects precision %d', (precision) => {
    expect(() => approxDistinctFn({ precision })).toThrow(/precision must be a whole number in 4\.\.16/);
  });

  it('refuses to merge sketches of different precisions', () => {
    const a = approxDistinctFn({ precision: 10 });
    const b = approxDistinctFn({ precision: 12 });
    expect(() => a.mergeAccumulators([a.createAccumulator(), b.createAccumulator()])).toThrow(/precision 12 into precision 10/);
  });
});
