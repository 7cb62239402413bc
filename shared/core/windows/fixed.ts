import { SpecError } from '../errors';
import { floorMod, type Window } from '../time';
import type { FixedWindowFn } from './window-fn';

/**
 * Fixed (tumbling) windows `[offset + k·size, offset + (k+1)·size)` for every integer `k`.
 * Assignment floors, so it is correct for timestamps before the epoch and before the offset.
 *
 * @throws SpecError unless `size > 0` and `0 ≤ offset < size` (whole milliseconds).
 */
export function fixedWindows(sizeMs: number, offsetMs = 0, path = 'window'): FixedWindowFn {
  if (!Number.isSafeInteger(sizeMs) || sizeMs <= 0) {
    throw new SpecError(`${path}.size`, `fixed window size must be a whole number of milliseconds > 0; got ${sizeMs}`);
  }
  if (!Number.isSafeInteger(offsetMs) || offsetMs < 0 || offsetMs >= sizeMs) {
    throw new SpecError(`${path}.offset`, `window offset must satisfy 0 ≤ offset < size (${sizeMs} ms); got ${offsetMs}`);
  }
  return {
    kind: 'fixed',
    merging: false,
    sizeMs,
    offsetMs,
    assignWindows(timestamp: number): Window[] {
      const start = fixedWindowStart(timestamp, sizeMs, offsetMs);
      return [{ start, end: start + sizeMs }];
    },
  };
}

/** Start of the fixed window containing `timestamp`: `timestamp − floorMod(timestamp − offset, size)`. */
export function fixedWindowStart(timestamp: number, sizeMs: number, offsetMs: number): number {
  return timestamp - floorMod(timestamp - offsetMs, sizeMs);
}
