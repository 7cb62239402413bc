import type { CombineFn } from './combine-fn';
import { countSkipped, type SkippedCounts } from './skipped-counts';

/**
 * A compensated running sum (Neumaier's improvement of Kahan summation): `sum + compensation` is
 * the total, where `compensation` collects the low-order bits each addition rounded away.
 *
 * Why: a plain `+=` over many floats loses digits (adding 0.1 a million times drifts in the 11th
 * digit; a large value followed by small ones can swallow them entirely). With compensation the
 * error is about one rounding of the final total (|error| ≲ 2ε·|sum| + n·ε²·Σ|x|, ε = 2^−53),
 * independent of n for practical sizes, and it costs two extra additions — an exact (Shewchuk)
 * sum costs 2–3× more per add on decimal data, which the engine's throughput target can't afford.
 *
 * Exactness: whenever every partial sum is representable — integers (counts, cents) up to 2^53 —
 * the sum is exact, hence identical however the input was split or ordered. For arbitrary floats a
 * different bundling may change the last bit or so of the result (never more than the bound
 * above); the same input in the same bundles always gives the same bits.
 */
export interface SumAccumulator extends SkippedCounts {
  sum: number;
  compensation: number;
  /** Numbers summed. */
  n: number;
}

/**
 * SQL `SUM`: adds finite numbers; skips (and counts) nulls and non-numbers — numeric strings are
 * *not* coerced. The sum of no numbers is `null`, as in SQL, so "no data" never reads as `0`.
 * A value (or merged part) that would take the sum beyond ±`Number.MAX_VALUE` (≈ 1.8e308) is
 * skipped and counted as `invalid` rather than turning the sum into Infinity.
 */
export function sumFn(): CombineFn<unknown, SumAccumulator, number | null> {
  return SUM;
}

/** Adds one input to a sum-shaped accumulator; shared by `sum` and `mean`. */
export function addNumber(acc: SumAccumulator, x: unknown): SumAccumulator {
  if (typeof x === 'number' && x - x === 0) {
    const s = acc.sum;
    const t = s + x;
    if (t - t !== 0) {
      // Overflow: JSON cannot hold Infinity, and a sum of ±Infinity is no answer. Skip and count.
      acc.invalid++;
      return acc;
    }
    if (Math.abs(s) >= Math.abs(x)) acc.compensation += s - t + x;
    else acc.compensation += x - t + s;
    // `+ 0`: -0 + 0 is 0; JSON cannot carry -0, and the accumulator must round-trip unchanged.
    acc.sum = t + 0;
    acc.n++;
  } else {
    countSkipped(acc, x);
  }
  return acc;
}

/** Merges sum-shaped accumulators into the first one; shared by `sum` and `mean`. */
export function mergeSums(accs: SumAccumulator[]): SumAccumulator {
  const first = accs[0];
  if (first === undefined) return emptySum();
  for (let i = 1; i < accs.length; i++) {
    // Read the other part first: it may be `first` itself.
    const { sum: x, compensation: c, n, nulls, invalid } = accs[i] as SumAccumulator;
    const s = first.sum;
    const t = s + x;
    first.nulls += nulls;
    if (t - t !== 0) {
      // Overflow (see addNumber): the other part's numbers are skipped and counted as invalid.
      first.invalid += invalid + n;
      continue;
    }
    if (Math.abs(s) >= Math.abs(x)) first.compensation += s - t + x;
    else first.compensation += x - t + s;
    first.compensation += c + 0;
    first.sum = t + 0;
    first.n += n;
    first.invalid += invalid;
  }
  return first;
}

export function emptySum(): SumAccumulator {
  return { sum: 0, compensation: 0, n: 0, nulls: 0, invalid: 0 };
}

/** The compensated total, or `null` when no number was summed. */
export function sumOf(acc: SumAccumulator): number | null {
  return acc.n === 0 ? null : acc.sum + acc.compensation + 0;
}

const SUM: CombineFn<unknown, SumAccumulator, number | null> = {
  createAccumulator: emptySum,
  addInput: addNumber,
  mergeAccumulators: mergeSums,
  extractOutput: sumOf,
};
