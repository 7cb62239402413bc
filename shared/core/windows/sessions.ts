import { SpecError } from '../errors';
import type { Window } from '../time';
import type { SessionWindowFn } from './window-fn';

/**
 * Session windows: each element starts a proto-window `[t, t + gap)`; overlapping windows merge
 * into their span. Windows that merely touch (`a.end === b.start`) do not overlap — events exactly
 * `gap` apart start a new session — matching Beam's half-open `IntervalWindow.intersects`.
 *
 * @throws SpecError unless `gap > 0`.
 */
export function sessionWindows(gapMs: number, path = 'window'): SessionWindowFn {
  if (!Number.isSafeInteger(gapMs) || gapMs <= 0) {
    throw new SpecError(`${path}.gap`, `session gap must be a whole number of milliseconds > 0; got ${gapMs}`);
  }
  return {
    kind: 'sessions',
    merging: true,
    gapMs,
    assignWindows(timestamp: number): Window[] {
      return [{ start: timestamp, end: timestamp + gapMs }];
    },
  };
}

/** One group of merged windows: the span and the indices (into the input) of its members. */
export interface MergeGroup {
  window: Window;
  members: number[];
}

/**
 * Merges overlapping windows into groups. Order-independent: the result depends only on the set
 * of input windows (groups are returned by ascending start, members by ascending index).
 */
export function mergeOverlapping(windows: readonly Window[]): MergeGroup[] {
  const order = windows.map((_, i) => i);
  order.sort((a, b) => (windows[a] as Window).start - (windows[b] as Window).start || a - b);
  const groups: MergeGroup[] = [];
  let current: MergeGroup | undefined;
  let currentEnd = 0;
  for (const i of order) {
    const w = windows[i] as Window;
    if (current !== undefined && w.start < currentEnd) {
      current.members.push(i);
      if (w.end > currentEnd) currentEnd = w.end;
      current.window = { start: current.window.start, end: currentEnd };
    } else {
      current = { window: { start: w.start, end: w.end }, members: [i] };
      currentEnd = w.end;
      groups.push(current);
    }
  }
  for (const g of groups) g.members.sort((a, b) => a - b);
  return groups;
}
