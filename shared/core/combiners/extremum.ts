import type { CombineFn } from './combine-fn';
import { countSkipped, type SkippedCounts } from './skipped-counts';

/** The smallest (or largest) finite number seen, or `null` before the first one. */
export interface ExtremumAccumulator extends SkippedCounts {
  value: number | null;
}

/** SQL `MIN` over finite numbers; nulls and non-numbers are skipped and counted; empty → `null`. */
export function minFn(): CombineFn<unknown, ExtremumAccumulator, number | null> {
  return MIN;
}

/** SQL `MAX` over finite numbers; nulls and non-numbers are skipped and counted; empty → `null`. */
export function maxFn(): CombineFn<unknown, ExtremumAccumulator, number | null> {
  return MAX;
}

function extremum(isBetter: (candidate: number, current: number) => boolean): CombineFn<unknown, ExtremumAccumulator, number | null> {
  return {
    createAccumulator: () => ({ value: null, nulls: 0, invalid: 0 }),
    addInput(acc, x) {
      if (typeof x === 'number' && x - x === 0) {
        // -0 is stored as 0: JSON cannot carry -0, and MIN(0, -0) must not depend on order.
        // (`x === 0 ? 0 : x` rather than `x + 0`, so a double is stored as is, not re-boxed.)
        if (acc.value === null || isBetter(x, acc.value)) acc.value = x === 0 ? 0 : x;
      } else {
        countSkipped(acc, x);
      }
      return acc;
    },
    mergeAccumulators(accs) {
      const first = accs[0];
      if (first === undefined) return { value: null, nulls: 0, invalid: 0 };
      for (let i = 1; i < accs.length; i++) {
        const a = accs[i] as ExtremumAccumulator;
        if (a.value !== null && (first.value === null || isBetter(a.value, first.value))) first.value = a.value;
        first.nulls += a.nulls;
        first.invalid += a.invalid;
      }
      return first;
    },
    extractOutput: (acc) => acc.value,
  };
}

const MIN = extremum((candidate, current) => candidate < current);
const MAX = extremum((candidate, current) => candidate > current);
