import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APPROX_QUANTILES_MIN_MAGNITUDE, approxQuantilesDefaultMaxBins, approxQuantilesFn } from '../../../../shared/core/combiners';
import { addAll, addSplit, anyValue, expectJsonSafe, isFiniteNumber, splitPlan } from './harness';

const QS = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1];

/** The exact value at rank ⌊q·(n−1)⌋ of the sorted finite inputs (the sketch's reference rank). */
function exactQuantiles(xs: readonly unknown[], qs: readonly number[]): number[] | null {
  const sorted = xs.filter(isFiniteNumber).map((x) => x + 0).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return qs.map((q) => sorted[Math.floor(q * (sorted.length - 1))] as number);
}

/**
 * Asserts the documented bound, |estimate − exact| ≤ α·|exact| (plus a few ulps of log rounding),
 * for every quantile whose exact value is inside the sketch's range: within γ^(maxBins − 2) of the
 * largest magnitude of its sign (one bucket of margin). Returns the worst relative error seen.
 */
function expectWithinBound(estimates: number[] | null, exact: number[] | null, accuracy: number, inputs: readonly unknown[] = []): number {
  expect(estimates === null).toBe(exact === null);
  let worst = 0;
  if (estimates === null || exact === null) return worst;
  const gamma = (1 + accuracy) / (1 - accuracy);
  const span = Math.pow(gamma, approxQuantilesDefaultMaxBins(accuracy) - 2);
  const finite = inputs.filter(isFiniteNumber);
  const maxPositive = Math.max(0, ...finite.filter((x) => x > 0));
  const maxNegative = Math.max(0, ...finite.filter((x) => x < 0).map((x) => -x));
  estimates.forEach((estimate, i) => {
    const x = exact[i] as number;
    if (x !== 0 && Math.abs(x) < (x > 0 ? maxPositive : maxNegative) / span) return; // folded: outside the guarantee
    const error = Math.abs(estimate - x);
    // Subnormal magnitudes count as zero (documented), hence the absolute slack of one normal minimum.
    expect(error).toBeLessThanOrEqual(accuracy * Math.abs(x) * (1 + 1e-9) + APPROX_QUANTILES_MIN_MAGNITUDE);
    if (x !== 0) worst = Math.max(worst, error / Math.abs(x));
  });
  return worst;
}

/** A deterministic PRNG (mulberry32) for the distributions. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

describe('approxQuantiles', () => {
  const fn = approxQuantilesFn({ quantiles: [0, 0.5, 1] });

  it.each<[string, unknown[], number[] | null]>([
    ['empty', [], null],
    ['only nulls and invalid', [null, 'x', Number.NaN], null],
    ['one', [42], [42, 42, 42]],
    ['zeros', [0, -0, 0], [0, 0, 0]],
    ['negative', [-10, -20, -30], [-30, -20, -10]],
  ])('%s', (_, inputs, expected) => {
    const acc = addAll(fn, inputs);
    const got = fn.extractOutput(acc);
    if (expected === null) expect(got).toBeNull();
    else expectWithinBound(got, expected, 0.01);
    expectJsonSafe(acc);
  });

  it('returns the exact minimum and maximum for q = 0 and q = 1', () => {
    expect(fn.extractOutput(addAll(fn, [3.3, -7.25, 1e6, 0.001]))).toEqual([-7.25, expect.any(Number), 1e6]);
  });

  it('counts nulls and invalid values', () => {
    const acc = addAll(fn, [null, undefined, 'x', Infinity, 1]);
    expect({ nulls: acc.nulls, invalid: acc.invalid, count: acc.count }).toEqual({ nulls: 2, invalid: 2, count: 1 });
  });

  const distributions: [string, (r: () => number) => number][] = [
    ['uniform [0, 1000)', (r) => r() * 1000],
    ['log-normal (latencies)', (r) => Math.exp(3 + 1.5 * normal(r))],
    ['normal around 0 (both signs)', (r) => 100 * normal(r)],
    ['heavy duplicates with zeros', (r) => Math.floor(r() * 10) - 3],
    ['Pareto tail', (r) => 1 / Math.pow(1 - r(), 1 / 1.2)],
  ];

  it.each(distributions.flatMap(([name, draw]) => [0.01, 0.001, 0.05].map((accuracy) => ({ name, draw, accuracy }))))(
    '$name, accuracy $accuracy: every quantile within the relative bound over 100,000 values',
    ({ draw, accuracy }) => {
      const sketch = approxQuantilesFn({ quantiles: QS, accuracy });
      const r = rng(7);
      const xs = Array.from({ length: 100_000 }, () => draw(r));
      const estimates = sketch.extractOutput(addAll(sketch, xs));
      // All of these distributions span less than 10^9, so no quantile is exempt.
      const worst = expectWithinBound(estimates, exactQuantiles(xs, QS), accuracy);
      expect(worst).toBeGreaterThan(0);
    },
  );

  it.each([0.01, 0.05])('accuracy %d: any split and order gives a bit-identical sketch within the bound', (accuracy) => {
    const sketch = approxQuantilesFn({ quantiles: QS, accuracy });
    const value = fc.oneof(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: -5, max: 5 }), anyValue);
    fc.assert(
      fc.property(fc.array(value, { maxLength: 120 }), splitPlan, (inputs, plan) => {
        const whole = addAll(sketch, inputs);
        const split = addSplit(sketch, inputs, plan);
        expect(JSON.stringify(split)).toBe(JSON.stringify(whole));
        expectJsonSafe(split);
        expectWithinBound(sketch.extractOutput(split), exactQuantiles(inputs, QS), accuracy, inputs);
      }),
    );
  });

  it('folds the lowest buckets when data spans more than maxBins buckets, keeping the upper quantiles exact to the bound', () => {
    const sketch = approxQuantilesFn({ quantiles: [0.5, 0.9, 0.99], accuracy: 0.01, maxBins: 256 });
    const xs = Array.from({ length: 10_000 }, (_, i) => Math.pow(10, (i % 100) / 10)); // 1 .. 10^9.9
    const acc = addAll(sketch, xs);
    expect(acc.positive.counts.length).toBeLessThanOrEqual(256);
    // 256 buckets cover ×γ^255 ≈ ×164 below the maximum (10^9.9), so the 0.9 (10^8.9) and 0.99 quantiles are in range.
    const [, p90, p99] = sketch.extractOutput(acc) as number[];
    const [, e90, e99] = exactQuantiles(xs, [0.5, 0.9, 0.99]) as number[];
    expect(Math.abs((p90 as number) - (e90 as number))).toBeLessThanOrEqual(0.01 * (e90 as number) * (1 + 1e-9));
    expect(Math.abs((p99 as number) - (e99 as number))).toBeLessThanOrEqual(0.01 * (e99 as number) * (1 + 1e-9));
    // And folding is order-independent: reversed input, same sketch.
    expect(JSON.stringify(addAll(sketch, [...xs].reverse()))).toBe(JSON.stringify(acc));
  });

  it.each([
    [{ quantiles: [] }, /at least one quantile/],
    [{ quantiles: [1.5] }, /in \[0, 1\]/],
    [{ quantiles: [Number.NaN] }, /in \[0, 1\]/],
    [{ quantiles: [0.5], accuracy: 0 }, /accuracy must be in/],
    [{ quantiles: [0.5], accuracy: 0.9 }, /accuracy must be in/],
  ])('rejects %j', (options, message) => {
    expect(() => approxQuantilesFn(options)).toThrow(message);
  });

  it('refuses to merge sketches of different accuracies', () => {
    const a = approxQuantilesFn({ quantiles: [0.5], accuracy: 0.01 });
    const b = approxQuantilesFn({ quantiles: [0.5], accuracy: 0.02 });
    expect(() => a.mergeAccumulators([a.createAccumulator(), b.createAccumulator()])).toThrow(/accuracy 0.02 into accuracy 0.01/);
  });
});
