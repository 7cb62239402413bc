import type { Window } from '../time';

/** The window kinds sluice supports; the engine has a fast path for each. */
export type WindowKind = 'fixed' | 'sliding' | 'sessions' | 'global';

/**
 * A validated window assigner (Beam's `WindowFn`). Plain data plus pure functions: the engine
 * switches on `kind` for its allocation-free fast paths, everything else may call
 * {@link WindowFnBase.assignWindows}.
 */
export interface WindowFnBase {
  readonly kind: WindowKind;
  /** Whether windows of this kind merge (only sessions do). */
  readonly merging: boolean;
  /** The windows `timestamp` belongs to, in ascending order of start. */
  assignWindows(timestamp: number): Window[];
}

export interface FixedWindowFn extends WindowFnBase {
  readonly kind: 'fixed';
  readonly merging: false;
  readonly sizeMs: number;
  readonly offsetMs: number;
}

export interface SlidingWindowFn extends WindowFnBase {
  readonly kind: 'sliding';
  readonly merging: false;
  readonly sizeMs: number;
  readonly periodMs: number;
  readonly offsetMs: number;
}

export interface SessionWindowFn extends WindowFnBase {
  readonly kind: 'sessions';
  readonly merging: true;
  readonly gapMs: number;
}

export interface GlobalWindowFn extends WindowFnBase {
  readonly kind: 'global';
  readonly merging: false;
}

export type WindowFn = FixedWindowFn | SlidingWindowFn | SessionWindowFn | GlobalWindowFn;
