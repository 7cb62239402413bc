import type { CombineFn } from './combine-fn';
import type { SkippedCounts } from './skipped-counts';
import type { TimestampedValue } from './timestamped-value';
import { canonicalJson } from './value-key';

/** The non-null value with the greatest event time so far (`timestamp === null` when empty). */
export interface LatestAccumulator extends SkippedCounts {
  timestamp: number | null;
  value: unknown;
}

/**
 * The value with the latest *event* time (not arrival order), ignoring nulls as SQL aggregates do.
 *
 * Ties: when two values share the greatest timestamp, the one whose canonical JSON (sorted keys)
 * sorts last wins. Arbitrary but total, so the result never depends on arrival order or on how
 * the input was split — replays give the same answer.
 *
 * Accepted values are JSON values: strings, finite numbers, booleans, objects and arrays. Anything
 * else (or a non-finite timestamp) is skipped and counted as `invalid`; `null`/missing as `nulls`.
 * Empty → `null`.
 */
export function latestFn(): CombineFn<TimestampedValue<unknown>, LatestAccumulator, unknown> {
  return LATEST;
}

/** Whether (tb, vb) replaces the current (ta, va) as the latest. */
function isLater(ta: number | null, va: unknown, tb: number, vb: unknown): boolean {
  if (ta === null || tb > ta) return true;
  if (tb < ta) return false;
  if (va === vb) return false;
  return canonicalJson(vb) > canonicalJson(va);
}

function isJsonish(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return v - v === 0;
    case 'object':
      return v !== null;
    default:
      return false;
  }
}

/** `latest`'s addInput over a value and its timestamp, so callers need not build an input object. */
export function addLatest(acc: LatestAccumulator, v: unknown, t: number): LatestAccumulator {
  if (v === null || v === undefined) {
    acc.nulls++;
  } else if (!isJsonish(v) || typeof t !== 'number' || t - t !== 0) {
    acc.invalid++;
  } else if (isLater(acc.timestamp, acc.value, t, v)) {
    acc.timestamp = t + 0;
    // -0 → 0: JSON cannot carry -0, and the accumulator must round-trip unchanged.
    acc.value = typeof v === 'number' ? v + 0 : v;
  }
  return acc;
}

function empty(): LatestAccumulator {
  return { timestamp: null, value: null, nulls: 0, invalid: 0 };
}

const LATEST: CombineFn<TimestampedValue<unknown>, LatestAccumulator, unknown> = {
  createAccumulator: empty,
  addInput: (acc, input) => addLatest(acc, input.value, input.timestamp),
  mergeAccumulators(accs) {
    const first = accs[0];
    if (first === undefined) return empty();
    for (let i = 1; i < accs.length; i++) {
      const a = accs[i] as LatestAccumulator;
      if (a.timestamp !== null && isLater(first.timestamp, first.value, a.timestamp, a.value)) {
        first.timestamp = a.timestamp;
        first.value = a.value;
      }
      first.nulls += a.nulls;
      first.invalid += a.invalid;
    }
    return first;
  },
  extractOutput: (acc) => (acc.timestamp === null ? null : acc.value),
};
