import { describe, expect, it } from 'vitest';
import { clampTime, END_OF_TIME, floorMod, maxTimestamp, MIN_TIMESTAMP, windowContains } from '../../../shared/core/time';

describe('time', () => {
  it.each([
    [7, 5, 2],
    [-1, 60, 59],
    [-60, 60, 0],
    [-61, 60, 59],
    [0, 60, 0],
  ])('floorMod(%i, %i) = %i', (v, d, r) => {
    expect(floorMod(v, d)).toBe(r);
  });

  it('windows are half-open with maxTimestamp = end - 1', () => {
    const w = { start: 0, end: 10 };
    expect(maxTimestamp(w)).toBe(9);
    expect(windowContains(w, 0)).toBe(true);
    expect(windowContains(w, 9)).toBe(true);
    expect(windowContains(w, 10)).toBe(false);
    expect(windowContains(w, -1)).toBe(false);
  });

  it('clamps infinities to the bounds of time', () => {
    expect(clampTime(Number.POSITIVE_INFINITY)).toBe(END_OF_TIME);
    expect(clampTime(Number.NEGATIVE_INFINITY)).toBe(MIN_TIMESTAMP);
    expect(clampTime(42)).toBe(42);
  });
});
