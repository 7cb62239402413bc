import type { Pane } from '../pane';
import type { Window } from '../time';

/** One keyed, timestamped input record. `timestamp` is the event time in epoch ms (a whole number). */
export interface Element<I = unknown> {
  key: string;
  timestamp: number;
  value: I;
  /** The event id, carried into late records so they can be traced. */
  id?: string;
}

/** Why an element was not applied. */
export type LateReason =
  /** The watermark had passed `window.maxTimestamp + allowedLateness`: the window is expired. */
  | 'expired'
  /** The window's trigger had finished; it accepts no more data until it is garbage-collected. */
  | 'closed';

/**
 * An element that was not applied to a window — never dropped silently. For sliding windows an
 * element may be late for some of its windows and not others: one record per window.
 */
export interface LateRecord<I = unknown> extends Element<I> {
  window: Window;
  /** How far the element was behind the watermark: `watermark − timestamp`. */
  latenessMs: number;
  /** The watermark the element was judged against. */
  watermark: number;
  reason: LateReason;
}

/**
 * The persisted state of one open (or closed, awaiting garbage collection) window of one key.
 * Short field names keep the partition document small; all values are plain JSON.
 */
export interface WindowState<A = unknown> {
  /** Window start (inclusive), epoch ms. */
  s: number;
  /** Window end (exclusive), epoch ms. */
  e: number;
  /** The accumulator, or `null` when nothing is held (new, or emptied by a DISCARDING pane). */
  a: A | null;
  /** Number of elements in `a`. */
  c: number;
  /** Elements since the last pane (`0`: the pane is empty in Beam's sense). */
  p: number;
  /** Trigger state slots (see `triggers/trigger-node.ts`). */
  t: number[];
  /** Panes emitted so far (= the next pane index). */
  i: number;
  /** The non-speculative index of the last pane (−1 when none or only EARLY panes). */
  ns: number;
  /** Timing of the last pane: 0 none, 1 EARLY, 2 ON_TIME, 3 LATE. */
  lt: number;
  /** 1 when the window received data before the watermark passed its end, so it can have an ON_TIME pane. */
  ot: number;
  /** 1 when the trigger has finished: the window is closed and only waits for garbage collection. */
  x: number;
  /** Next event-time timer (fires when `watermark ≥ te`), or `null`. */
  te: number | null;
  /** Next processing-time timer (fires when `processingTime ≥ tp`), or `null`. */
  tp: number | null;
}

/** The windows of one key. */
export interface KeyState<A = unknown> {
  key: string;
  /** Sorted by start. */
  windows: WindowState<A>[];
}

/** The timers of a partition: call again when the watermark or processing time reaches them. */
export interface PartitionTimers {
  /** Earliest watermark at which something fires or is garbage-collected; `null` when none. */
  eventTime: number | null;
  /** Earliest processing time at which something fires; `null` when none. */
  processingTime: number | null;
}

/**
 * Everything the engine keeps for one partition of one aggregation: plain JSON, as stored in the
 * partition document. Create it with `initialPartitionState()`.
 */
export interface PartitionState<A = unknown> {
  v: 1;
  /** The input watermark last applied (monotonic). */
  watermark: number;
  /** The processing time last applied (monotonic). */
  processingTime: number;
  /** Keys with at least one window. */
  keys: KeyState<A>[];
  /** Summary for the tick: when this partition next needs an advance call. */
  timers: PartitionTimers;
}

/** One call's input: a bundle of elements (may be empty: an *advance*), the new watermark and processing time. */
export interface BundleInput<I = unknown> {
  elements: readonly Element<I>[];
  /** The new input watermark; regressions are ignored. `Infinity` means the end of a bounded input. */
  watermark: number;
  /** The current processing time; regressions are ignored. */
  processingTime: number;
}

/** A window removed from the state because the watermark passed `maxTimestamp + allowedLateness`. */
export interface CollectedWindow {
  key: string;
  window: Window;
}

export interface BundleResult<A = unknown, O = unknown, I = unknown> {
  /** The updated state (the same object that was passed in). */
  state: PartitionState<A>;
  /** Panes fired, in firing order. */
  panes: Pane<O>[];
  /** Elements not applied, with the reason. */
  late: LateRecord<I>[];
  /** Windows garbage-collected in this call. */
  collected: CollectedWindow[];
  /** When to call again without elements (also in `state.timers`). */
  timers: PartitionTimers;
}
