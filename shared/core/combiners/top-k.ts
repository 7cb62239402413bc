import type { CombineFn } from './combine-fn';
import { countSkipped, type SkippedCounts } from './skipped-counts';
import { scalarFromKey, scalarKey, type ScalarValue } from './value-key';

/**
 * The k most frequent values, with a Misra-Gries summary of `capacity` counters (default 10·k).
 *
 * Guarantee (Misra-Gries, and Agarwal et al., "Mergeable Summaries", 2012, for merging): every
 * reported count is a lower bound of the value's true frequency f, and
 * f − count ≤ maxError = ⌊(n − Σ counters) / (capacity + 1)⌋ ≤ n / (capacity + 1), where n is the
 * number of values added; a value not listed has f ≤ (the k-th listed count, or 0) + maxError. While
 * the number of distinct values is ≤ capacity, nothing is ever decremented: counts are exact and
 * `maxError` is 0. The output carries `maxError`, so it is honest about its own precision.
 *
 * Order: by count descending, ties by the value's typed key ascending (strings `'s…'`, numbers
 * `'n…'`, booleans `'b…'`, compared as text), so equal inputs always give the same list. When
 * counts are exact the output is the same however the input was split; when they are not, the
 * counts may differ by split, always within the guarantee.
 *
 * Values: strings, finite numbers, booleans (typed: `1` ≠ `"1"`). Nulls/missing are skipped and
 * counted as `nulls`; anything else as `invalid`.
 */
export interface TopKAccumulator extends SkippedCounts {
  /** Number of values added (excluding skipped inputs). */
  n: number;
  /** Counter per typed value key (see `scalarKey`); at most `capacity` entries. */
  counters: Record<string, number>;
}

export interface TopKItem {
  value: ScalarValue;
  /** Lower bound of the true frequency; exact when `maxError` is 0. */
  count: number;
}

export interface TopKOutput {
  /** At most k values, most frequent first. */
  items: TopKItem[];
  /** Every true frequency is at most its listed count (or the k-th count, if unlisted) + `maxError`. */
  maxError: number;
}

/** k ≤ 1000: the summary keeps 10·k counters, and it lives in a Firestore document (≤ 1 MiB). */
export const TOP_K_MAX_K = 1_000;

function sizeOf(counters: Record<string, number>): number {
  let size = 0;
  for (const _ in counters) size++;
  return size;
}

export function topKFn(options: { k: number; capacity?: number }): CombineFn<unknown, TopKAccumulator, TopKOutput> {
  const k = options.k;
  if (!Number.isInteger(k) || k < 1 || k > TOP_K_MAX_K) throw new RangeError(`topK k must be a whole number in 1..${TOP_K_MAX_K}; got ${k}`);
  const capacity = options.capacity ?? 10 * k;
  if (!Number.isInteger(capacity) || capacity < k) throw new RangeError(`topK capacity must be a whole number ≥ k (${k}); got ${capacity}`);

  const create = (): TopKAccumulator => ({ n: 0, counters: {}, nulls: 0, invalid: 0 });

  /** Subtracts `amount` from every counter and drops those that reach zero. */
  function decrementAll(counters: Record<string, number>, amount: number): void {
    for (const key in counters) {
      const c = (counters[key] as number) - amount;
      if (c > 0) counters[key] = c;
      else delete counters[key];
    }
  }

  return {
    createAccumulator: create,
    addInput(acc, x) {
      const key = scalarKey(x);
      if (key === null) {
        countSkipped(acc, x);
        return acc;
      }
      acc.n++;
      const counters = acc.counters;
      const c = counters[key];
      if (c !== undefined) {
        counters[key] = c + 1;
      } else if (sizeOf(counters) < capacity) {
        counters[key] = 1;
      } else {
        // Misra-Gries: the new value and one occurrence of every counted value cancel out.
        decrementAll(counters, 1);
      }
      return acc;
    },
    mergeAccumulators(accs) {
      const first = accs[0];
      if (first === undefined) return create();
      for (let i = 1; i < accs.length; i++) {
        const a = accs[i] as TopKAccumulator;
        const source = a === first ? { ...a.counters } : a.counters;
        for (const key in source) first.counters[key] = (first.counters[key] ?? 0) + (source[key] as number);
        first.n += a.n;
        first.nulls += a.nulls;
        first.invalid += a.invalid;
        const counts = Object.values(first.counters);
        if (counts.length > capacity) {
          // Agarwal et al.: subtract the (capacity + 1)-th largest counter from all.
          counts.sort((p, q) => q - p);
          decrementAll(first.counters, counts[capacity] as number);
        }
      }
      return first;
    },
    extractOutput(acc) {
      let kept = 0;
      for (const key in acc.counters) kept += acc.counters[key] as number;
      const maxError = Math.floor((acc.n - kept) / (capacity + 1));
      const items = Object.entries(acc.counters)
        .sort(([ka, ca], [kb, cb]) => cb - ca || (ka < kb ? -1 : ka > kb ? 1 : 0))
        .slice(0, k)
        .map(([key, count]) => ({ value: scalarFromKey(key), count }));
      return { items, maxError };
    },
  };
}
