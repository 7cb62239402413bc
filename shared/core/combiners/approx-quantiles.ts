import type { CombineFn } from './combine-fn';
import { countSkipped, type SkippedCounts } from './skipped-counts';

/**
 * Approximate quantiles with DDSketch (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable
 * quantile sketch with relative-error guarantees", VLDB 2019).
 *
 * Error bound (relative *value* error): for a quantile q of n values sorted as x_0 ≤ … ≤ x_{n−1},
 * the estimate v satisfies |v − x_r| ≤ accuracy · |x_r| with r = ⌊q·(n − 1)⌋ — equivalently, v lies
 * within the values whose exact ranks bracket x_r·(1 ∓ accuracy). q = 0 and q = 1 return the exact
 * minimum and maximum. The bound holds for every value whose magnitude is within a factor
 * γ^(maxBins − 1) of the largest magnitude of its sign (γ = (1 + α)/(1 − α); the default maxBins
 * spans at least 10^9, ≈ 6·10^17 at α = 0.01): values further below are folded into the lowest
 * kept bucket, so only the low quantiles of data spanning more than that lose the guarantee. Zero
 * is kept exactly; subnormal magnitudes (< 2.2e-308) count as zero.
 *
 * Size: one JSON number per bucket between the smallest and largest key present per sign — about
 * ln(max/min)/(2α) numbers (≈ 700 for data spanning 10^6 at α = 0.01).
 *
 * Why DDSketch rather than KLL or t-digest: its merge is exact — bucket counts add — so the sketch
 * is bit-identical however the input was split or ordered (replays are exact, no random coin flips
 * to seed), its guarantee is a simple documented bound, and its state is plain JSON. The npm
 * DDSketch (`@datadog/sketches-js`) keeps its state in class instances and serialises to protobuf,
 * so converting to and from JSON on every input would cost more than this short implementation.
 *
 * Values: finite numbers; nulls/missing skipped and counted as `nulls`, anything else `invalid`.
 * Output: one estimate per requested quantile, in the order given, or `null` when empty.
 */
export interface ApproxQuantilesAccumulator extends SkippedCounts {
  /** Relative accuracy α the buckets were built for. */
  accuracy: number;
  count: number;
  min: number | null;
  max: number | null;
  zeros: number;
  /** Bucket counts of positive values by key ⌈log_γ x⌉. */
  positive: BucketStore;
  /** Bucket counts of negative values by key ⌈log_γ |x|⌉. */
  negative: BucketStore;
}

/** Dense counts for keys `offset .. offset + counts.length − 1`; both ends are always non-zero. */
export interface BucketStore {
  offset: number;
  counts: number[];
}

export const APPROX_QUANTILES_DEFAULT_ACCURACY = 0.01;
export const APPROX_QUANTILES_MIN_ACCURACY = 0.0001;
export const APPROX_QUANTILES_MAX_ACCURACY = 0.5;
/** Buckets per sign by default: at least 2048, and enough to span nine orders of magnitude at the chosen accuracy. */
export function approxQuantilesDefaultMaxBins(accuracy: number): number {
  return Math.max(2048, Math.ceil(Math.log(1e9) / Math.log((1 + accuracy) / (1 - accuracy))) + 1);
}

/**
 * Magnitudes below this (subnormal doubles) are counted with the zeros: a subnormal has too few
 * significant bits for any bucket to represent it within a relative bound.
 */
export const APPROX_QUANTILES_MIN_MAGNITUDE = 2.2250738585072014e-308;

export interface ApproxQuantilesOptions {
  /** Quantiles to report, each in [0, 1]. */
  quantiles: readonly number[];
  /** Relative accuracy α, in [0.0001, 0.5]; default 0.01. */
  accuracy?: number;
  /** Buckets kept per sign before the lowest are folded together; default `approxQuantilesDefaultMaxBins(accuracy)`. */
  maxBins?: number;
}

export function approxQuantilesFn(
  options: ApproxQuantilesOptions,
): CombineFn<unknown, ApproxQuantilesAccumulator, number[] | null> {
  const accuracy = options.accuracy ?? APPROX_QUANTILES_DEFAULT_ACCURACY;
  const maxBins = options.maxBins ?? approxQuantilesDefaultMaxBins(accuracy);
  const quantiles = [...options.quantiles];
  if (!(accuracy >= APPROX_QUANTILES_MIN_ACCURACY && accuracy <= APPROX_QUANTILES_MAX_ACCURACY)) {
    throw new RangeError(
      `approxQuantiles accuracy must be in [${APPROX_QUANTILES_MIN_ACCURACY}, ${APPROX_QUANTILES_MAX_ACCURACY}]; got ${accuracy}`,
    );
  }
  if (!Number.isInteger(maxBins) || maxBins < 16) throw new RangeError(`approxQuantiles maxBins must be a whole number ≥ 16; got ${maxBins}`);
  if (quantiles.length === 0) throw new RangeError('approxQuantiles needs at least one quantile');
  for (const q of quantiles) {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`approxQuantiles quantiles must be in [0, 1]; got ${q}`);
  }

  const gamma = (1 + accuracy) / (1 - accuracy);
  const multiplier = 1 / Math.log(gamma);
  // `+ 0`: Math.ceil of a small negative is -0, which JSON and a merge in another order write as 0;
  // the sketch must be bit-identical whatever the split.
  const keyOf = (magnitude: number): number => Math.ceil(Math.log(magnitude) * multiplier) + 0;
  const valueOf = (key: number): number => (2 * Math.pow(gamma, key)) / (1 + gamma);

  const create = (): ApproxQuantilesAccumulator => ({
    accuracy,
    count: 0,
    min: null,
    max: null,
    zeros: 0,
    positive: { offset: 0, counts: [] },
    negative: { offset: 0, counts: [] },
    nulls: 0,
    invalid: 0,
  });

  function addToStore(store: BucketStore, key: number, n: number): void {
    const counts = store.counts;
    if (counts.length === 0) {
      store.offset = key;
      counts.push(n);
      return;
    }
    const maxKey = store.offset + counts.length - 1;
    if (key > maxKey) {
      for (let k = maxKey; k < key; k++) counts.push(0);
      counts[counts.length - 1] = n;
      const lowest = key - maxBins + 1;
      if (lowest > store.offset) {
        // Fold the buckets that fell out of range into the lowest kept one.
        const drop = lowest - store.offset;
        let folded = 0;
        for (let i = 0; i <= drop; i++) folded += counts[i] as number;
        counts.splice(0, drop);
        counts[0] = folded;
        store.offset = lowest;
      }
      return;
    }
    if (key < store.offset) {
      const lowest = maxKey - maxBins + 1;
      if (key < lowest) key = lowest;
      if (key < store.offset) {
        const grow = store.offset - key;
        counts.unshift(...new Array<number>(grow).fill(0));
        store.offset = key;
      }
    }
    const i = key - store.offset;
    counts[i] = (counts[i] as number) + n;
  }

  function check(acc: ApproxQuantilesAccumulator): void {
    if (acc.accuracy !== accuracy) {
      throw new RangeError(`cannot merge approxQuantiles sketches of accuracy ${acc.accuracy} into accuracy ${accuracy}`);
    }
  }

  return {
    createAccumulator: create,
    addInput(acc, x) {
      if (typeof x === 'number' && x - x === 0) {
        x += 0;
        if (x >= APPROX_QUANTILES_MIN_MAGNITUDE) addToStore(acc.positive, keyOf(x), 1);
        else if (x <= -APPROX_QUANTILES_MIN_MAGNITUDE) addToStore(acc.negative, keyOf(-x), 1);
        else acc.zeros++;
        if (acc.min === null || x < acc.min) acc.min = x;
        if (acc.max === null || x > acc.max) acc.max = x;
        acc.count++;
      } else {
        countSkipped(acc, x);
      }
      return acc;
    },
    mergeAccumulators(accs) {
      const first = accs[0];
      if (first === undefined) return create();
      check(first);
      for (let i = 1; i < accs.length; i++) {
        let a = accs[i] as ApproxQuantilesAccumulator;
        check(a);
        if (a === first) a = structuredClone(a);
        for (const [target, source] of [
          [first.positive, a.positive],
          [first.negative, a.negative],
        ] as const) {
          for (let j = 0; j < source.counts.length; j++) {
            const c = source.counts[j] as number;
            if (c > 0) addToStore(target, source.offset + j, c);
          }
        }
        first.zeros += a.zeros;
        if (a.min !== null && (first.min === null || a.min < first.min)) first.min = a.min;
        if (a.max !== null && (first.max === null || a.max > first.max)) first.max = a.max;
        first.count += a.count;
        first.nulls += a.nulls;
        first.invalid += a.invalid;
      }
      return first;
    },
    extractOutput(acc) {
      if (acc.count === 0) return null;
      return quantiles.map((q) => quantileOf(acc, q));
    },
  };

  function quantileOf(acc: ApproxQuantilesAccumulator, q: number): number {
    const min = acc.min as number;
    const max = acc.max as number;
    if (q === 0) return min;
    if (q === 1) return max;
    const rank = q * (acc.count - 1);
    let cumulative = 0;
    let estimate = max;
    found: {
      const neg = acc.negative;
      for (let j = neg.counts.length - 1; j >= 0; j--) {
        cumulative += neg.counts[j] as number;
        if (cumulative > rank) {
          estimate = -valueOf(neg.offset + j);
          break found;
        }
      }
      cumulative += acc.zeros;
      if (cumulative > rank) {
        estimate = 0;
        break found;
      }
      const pos = acc.positive;
      for (let j = 0; j < pos.counts.length; j++) {
        cumulative += pos.counts[j] as number;
        if (cumulative > rank) {
          estimate = valueOf(pos.offset + j);
          break found;
        }
      }
    }
    return Math.min(max, Math.max(min, estimate));
  }
}
