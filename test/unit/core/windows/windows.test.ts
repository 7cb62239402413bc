import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../../shared/core/errors';
import type { WindowSpec } from '../../../../shared/core/spec';
import { END_OF_TIME, MIN_TIMESTAMP, type Window } from '../../../../shared/core/time';
import {
  fixedWindows,
  GLOBAL_WINDOW,
  globalWindows,
  mergeOverlapping,
  sessionWindows,
  slidingWindows,
  windowFnFromSpec,
} from '../../../../shared/core/windows';

/** Naive reference: scan candidate starts one by one (no modulo arithmetic at all). */
function naiveFixed(t: number, size: number, offset: number): Window {
  let start = offset;
  while (start > t) start -= size;
  while (start + size <= t) start += size;
  return { start, end: start + size };
}

function naiveSliding(t: number, size: number, period: number, offset: number): Window[] {
  let start = offset;
  while (start > t - size) start -= period;
  const out: Window[] = [];
  for (; start <= t; start += period) if (t >= start && t < start + size) out.push({ start, end: start + size });
  return out;
}

describe('fixed windows', () => {
  it.each([
    // size, offset, timestamp, expected start
    [60, 0, 0, 0],
    [60, 0, 59, 0],
    [60, 0, 60, 60],
    [60, 0, -1, -60],
    [60, 0, -60, -60],
    [60, 0, -61, -120],
    [60, 10, 9, -50],
    [60, 10, 10, 10],
    [60, 10, 69, 10],
    [60, 10, 70, 70],
    [60, 10, -51, -110],
    [1, 0, 12345, 12345],
  ])('size %i offset %i: %i is in the window starting at %i', (size, offset, t, start) => {
    expect(fixedWindows(size, offset).assignWindows(t)).toEqual([{ start, end: start + size }]);
  });

  it.each<[WindowSpec, RegExp]>([
    [{ kind: 'fixed', size: 0 }, /size must be a whole number of milliseconds > 0; got 0/],
    [{ kind: 'fixed', size: '1m', offset: '1m' }, /window offset must satisfy 0 ≤ offset < size \(60000 ms\); got 60000/],
    [{ kind: 'fixed', size: '1m', offset: -1 }, /duration/],
    [{ kind: 'fixed', size: 'soon' }, /duration/],
  ])('rejects %j', (spec, rule) => {
    expect(() => windowFnFromSpec(spec, 'aggregations[0].window')).toThrow(SpecError);
    expect(() => windowFnFromSpec(spec, 'aggregations[0].window')).toThrow(rule);
  });

  it('matches the naive reference for any timestamp, size and offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.nat(),
        (t, size, rawOffset) => {
          const offset = rawOffset % size;
          expect(fixedWindows(size, offset).assignWindows(t)).toEqual([naiveFixed(t, size, offset)]);
        },
      ),
    );
  });
});

describe('sliding windows', () => {
  it.each([
    // size, period, offset, t, expected starts
    [60, 15, 0, 0, [-45, -30, -15, 0]],
    [60, 15, 0, 14, [-45, -30, -15, 0]],
    [60, 15, 0, 15, [-30, -15, 0, 15]],
    [60, 15, 0, 59, [0, 15, 30, 45]],
    [60, 15, 0, 60, [15, 30, 45, 60]],
    [60, 15, 0, -1, [-60, -45, -30, -15]],
    [60, 15, 5, 4, [-55, -40, -25, -10]],
    [60, 15, 5, 5, [-40, -25, -10, 5]],
    [50, 20, 0, 10, [-20, 0]],
    [50, 20, 0, 0, [-40, -20, 0]],
    [50, 20, 0, 19, [-20, 0]],
    [60, 60, 0, 59, [0]],
  ])('size %i period %i offset %i: %i is in windows starting at %j', (size, period, offset, t, starts) => {
    expect(slidingWindows(size, period, offset).assignWindows(t)).toEqual(starts.map((start) => ({ start, end: start + size })));
  });

  it.each<[WindowSpec, RegExp]>([
    [{ kind: 'sliding', size: '1m', period: 0 }, /period must satisfy 0 < period ≤ size/],
    [{ kind: 'sliding', size: '1m', period: '2m' }, /period must satisfy 0 < period ≤ size \(60000 ms\).*got 120000/],
    [{ kind: 'sliding', size: '1m', period: '15s', offset: '15s' }, /window offset must satisfy 0 ≤ offset < period \(15000 ms\); got 15000/],
    [{ kind: 'sliding', size: 0, period: 0 }, /size must be a whole number of milliseconds > 0/],
  ])('rejects %j', (spec, rule) => {
    expect(() => windowFnFromSpec(spec)).toThrow(rule);
  });

  it('matches the naive reference for any timestamp, size, period and offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -100_000, max: 100_000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 500 }),
        fc.nat(),
        (t, a, b, rawOffset) => {
          const size = Math.max(a, b);
          const period = Math.min(a, b);
          const offset = rawOffset % period;
          const got = slidingWindows(size, period, offset).assignWindows(t);
          expect(got).toEqual(naiveSliding(t, size, period, offset));
          expect(got.length).toBeGreaterThanOrEqual(Math.floor(size / period));
          expect(got.length).toBeLessThanOrEqual(Math.ceil(size / period));
        },
      ),
    );
  });
});

describe('session windows', () => {
  it('assigns the proto-window [t, t + gap)', () => {
    expect(sessionWindows(30).assignWindows(-5)).toEqual([{ start: -5, end: 25 }]);
  });

  it('rejects a gap of 0', () => {
    expect(() => windowFnFromSpec({ kind: 'sessions', gap: 0 })).toThrow(/session gap must be a whole number of milliseconds > 0; got 0/);
  });

  it.each([
    // timestamps, gap, expected sessions
    [[0, 29], 30, [[0, 59]]],
    [[0, 30], 30, [[0, 30], [30, 60]]], // exactly gap apart: touching, not overlapping
    [[0, 60, 30], 30, [[0, 30], [30, 60], [60, 90]]],
    [[0, 60, 29], 30, [[0, 59], [60, 90]]],
    [[0, 60, 31], 30, [[0, 30], [31, 90]]],
    [[0, 60, 30, 1], 30, [[0, 60], [60, 90]]], // 1 extends the first session so 30 joins it; 60 only touches
    [[0, 60, 30, 31], 30, [[0, 30], [30, 90]]], // 31 bridges 30 and 60
    [[-10, -1], 5, [[-10, -5], [-1, 4]]],
  ])('merges %j with gap %i into %j', (ts, gap, expected) => {
    const windows = ts.map((t) => sessionWindows(gap).assignWindows(t)[0] as Window);
    expect(mergeOverlapping(windows).map((g) => [g.window.start, g.window.end])).toEqual(expected);
  });

  /** Naive reference: repeatedly merge any overlapping pair until none is left. */
  function naiveMerge(windows: Window[]): Window[] {
    let ws = windows.map((w) => ({ ...w }));
    let changed = true;
    while (changed) {
      changed = false;
      outer: for (let i = 0; i < ws.length; i++) {
        for (let j = i + 1; j < ws.length; j++) {
          const a = ws[i] as Window;
          const b = ws[j] as Window;
          if (a.start < b.end && b.start < a.end) {
            ws = ws.filter((_, k) => k !== i && k !== j);
            ws.push({ start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) });
            changed = true;
            break outer;
          }
        }
      }
    }
    return ws.sort((a, b) => a.start - b.start);
  }

  it('merges like the naive pairwise reference, independent of input order, and partitions the input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ start: fc.integer({ min: -1000, max: 1000 }), len: fc.integer({ min: 1, max: 200 }) }), { maxLength: 40 }),
        fc.func(fc.integer()),
        (raw, shuffleKey) => {
          const windows = raw.map((r) => ({ start: r.start, end: r.start + r.len }));
          const groups = mergeOverlapping(windows);
          expect(groups.map((g) => g.window)).toEqual(naiveMerge(windows));
          const shuffled = [...windows].sort((a, b) => shuffleKey(a.start, a.end) - shuffleKey(b.start, b.end));
          expect(mergeOverlapping(shuffled).map((g) => g.window)).toEqual(groups.map((g) => g.window));
          const members = groups.flatMap((g) => g.members).sort((a, b) => a - b);
          expect(members).toEqual(windows.map((_, i) => i));
          for (const g of groups) {
            for (const m of g.members) {
              const w = windows[m] as Window;
              expect(w.start >= g.window.start && w.end <= g.window.end).toBe(true);
            }
          }
        },
      ),
    );
  });
});

describe('global window', () => {
  it('puts every timestamp, including extreme ones, in the one window ending at the end of time', () => {
    const fn = globalWindows();
    for (const t of [MIN_TIMESTAMP, -1, 0, 1, END_OF_TIME - 1]) expect(fn.assignWindows(t)).toEqual([GLOBAL_WINDOW]);
    expect(GLOBAL_WINDOW.end).toBe(END_OF_TIME);
  });

  it('rejects unknown kinds', () => {
    expect(() => windowFnFromSpec({ kind: 'tumbling' } as unknown as WindowSpec)).toThrow(
      /window kind must be 'fixed', 'sliding', 'sessions' or 'global'; got "tumbling"/,
    );
  });
});
