/**
 * Pane metadata on every output (Beam's `PaneInfo`) and the deterministic pane id.
 */
import { sha256Hex } from './hash';
import type { Window } from './time';

export const Timing = {
  /** Fired before the watermark passed the end of the window (speculative). */
  EARLY: 'EARLY',
  /** The one pane fired when the watermark passed the end of the window. */
  ON_TIME: 'ON_TIME',
  /** Fired after the ON_TIME pane (or for a window that only received late data). */
  LATE: 'LATE',
} as const;
export type PaneTiming = (typeof Timing)[keyof typeof Timing];

export interface PaneInfo {
  timing: PaneTiming;
  /** 0, 1, 2, … per window. */
  index: number;
  /** −1 for EARLY panes; 0 for the ON_TIME pane (or the first LATE one), then 1, 2, … */
  nonSpeculativeIndex: number;
  isFirst: boolean;
  /** The window will fire no more panes (its trigger finished or it was garbage-collected). */
  isLast: boolean;
}

/** One output of a windowed aggregation. */
export interface Pane<O = unknown> {
  aggregation: string;
  key: string;
  window: Window;
  output: O;
  pane: PaneInfo;
  /** `sha256Hex` of aggregation, key, window and pane index: stable across retries and replays. */
  paneId: string;
  /** Input watermark when the pane fired. */
  watermark: number;
  /** Processing time (as passed in) when the pane fired. */
  processingTime: number;
  /** Number of elements combined into `output` (all so far when ACCUMULATING, since the last pane when DISCARDING). */
  eventCount: number;
}

/**
 * The pane id: the hex SHA-256 of `aggregation`, `key`, `window.start`, `window.end` and `index`,
 * separated by NUL so no two different tuples share an encoding. Persisted (BigQuery insertId,
 * the latest-pane view), so this encoding must never change.
 */
export function paneId(aggregation: string, key: string, window: Window, index: number): string {
  return sha256Hex(`${aggregation}\u0000${key}\u0000${window.start}\u0000${window.end}\u0000${index}`);
}
