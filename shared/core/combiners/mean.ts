import type { CombineFn } from './combine-fn';
import { addNumber, emptySum, mergeSums, sumOf, type SumAccumulator } from './sum';

/**
 * A mean is carried as its compensated sum and its count, so merging is exact in the count and as
 * precise as `sum` in the total — never a mean of means.
 */
export type MeanAccumulator = SumAccumulator;

/**
 * SQL `AVG`: the compensated sum of the finite numbers divided by their count. Nulls and
 * non-numbers are skipped and counted; the mean of no numbers is `null`.
 */
export function meanFn(): CombineFn<unknown, MeanAccumulator, number | null> {
  return MEAN;
}

const MEAN: CombineFn<unknown, MeanAccumulator, number | null> = {
  createAccumulator: emptySum,
  addInput: addNumber,
  mergeAccumulators: mergeSums,
  extractOutput: (acc) => {
    const total = sumOf(acc);
    return total === null ? null : total / acc.n;
  },
};
