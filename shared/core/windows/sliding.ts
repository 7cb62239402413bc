import { SpecError } from '../errors';
import { floorMod, type Window } from '../time';
import type { SlidingWindowFn } from './window-fn';

/**
 * Sliding (hopping) windows of `size`, one starting every `period` at `offset + k·period`.
 * Each timestamp belongs to `ceil(size / period)` or `floor(size / period)` windows.
 *
 * A period larger than the size would leave gaps in which an event belongs to no window and
 * silently disappears, so it is rejected.
 *
 * @throws SpecError unless `size > 0`, `0 < period ≤ size` and `0 ≤ offset < period`.
 */
export function slidingWindows(sizeMs: number, periodMs: number, offsetMs = 0, path = 'window'): SlidingWindowFn {
  if (!Number.isSafeInteger(sizeMs) || sizeMs <= 0) {
    throw new SpecError(`${path}.size`, `sliding window size must be a whole number of milliseconds > 0; got ${sizeMs}`);
  }
  if (!Number.isSafeInteger(periodMs) || periodMs <= 0 || periodMs > sizeMs) {
    throw new SpecError(
      `${path}.period`,
      `sliding window period must satisfy 0 < period ≤ size (${sizeMs} ms), otherwise events between windows belong to none; got ${periodMs}`,
    );
  }
  if (!Number.isSafeInteger(offsetMs) || offsetMs < 0 || offsetMs >= periodMs) {
    throw new SpecError(`${path}.offset`, `window offset must satisfy 0 ≤ offset < period (${periodMs} ms); got ${offsetMs}`);
  }
  return {
    kind: 'sliding',
    merging: false,
    sizeMs,
    periodMs,
    offsetMs,
    assignWindows(timestamp: number): Window[] {
      const out: Window[] = [];
      const lastStart = lastSlidingStart(timestamp, periodMs, offsetMs);
      for (let start = lastStart; start > timestamp - sizeMs; start -= periodMs) out.push({ start, end: start + sizeMs });
      return out.reverse();
    },
  };
}

/** The latest window start `≤ timestamp`: `timestamp − floorMod(timestamp − offset, period)`. */
export function lastSlidingStart(timestamp: number, periodMs: number, offsetMs: number): number {
  return timestamp - floorMod(timestamp - offsetMs, periodMs);
}
