import type { CombineFn } from './combine-fn';

/**
 * Counts inputs, whatever they are (SQL's `COUNT(*)`). The accumulator is the count itself: a
 * number is the smallest JSON there is, and the engine always keeps the returned accumulator.
 */
export type CountAccumulator = number;

export function countFn(): CombineFn<unknown, CountAccumulator, number> {
  return COUNT;
}

const COUNT: CombineFn<unknown, CountAccumulator, number> = {
  createAccumulator: () => 0,
  addInput: (acc) => acc + 1,
  mergeAccumulators: (accs) => {
    let n = 0;
    for (const a of accs) n += a;
    return n;
  },
  extractOutput: (acc) => acc,
};
