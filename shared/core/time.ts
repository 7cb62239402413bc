/**
 * Time in sluice is epoch milliseconds (a plain `number`, always a whole number).
 *
 * Windows are half-open intervals `[start, end)`: `start` belongs to the window, `end` does not,
 * and the latest timestamp inside the window is `maxTimestamp = end − 1`. This is the one place
 * that rule is stated; everything else follows from it.
 *
 * The watermark `W` is a promise that no more on-time data with a timestamp `< W` is expected. A
 * window's end-of-window moment has passed when `W > maxTimestamp`, i.e. `W ≥ end`.
 */
import { FIRESTORE_MAX_TIMESTAMP_MS, FIRESTORE_MIN_TIMESTAMP_MS, isFirestoreTimestampMs } from '../limits/firestore';

/** The smallest representable timestamp (JavaScript's `Date` minimum). */
export const MIN_TIMESTAMP = -8_640_000_000_000_000;

/**
 * The end of time: the watermark of a finished bounded input (`+∞` is clamped to it so that
 * state stays JSON-serialisable) and the end of the global window. Element timestamps must be
 * strictly below it.
 */
export const END_OF_TIME = 8_640_000_000_000_000;

/**
 * The event times the warehouse and the state store can hold: BigQuery's TIMESTAMP
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#timestamp_type) and
 * Firestore's Timestamp (https://cloud.google.com/firestore/docs/concepts/data-types) both span
 * 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999999Z. An event outside it could be applied to a
 * window and then fail every write of its pane or state: it is rejected at the edge instead.
 */
export const MIN_STORABLE_TIME = FIRESTORE_MIN_TIMESTAMP_MS;
export const MAX_STORABLE_TIME = FIRESTORE_MAX_TIMESTAMP_MS;

/** Whether `t` is a whole number of epoch ms that BigQuery and Firestore can store. */
export function isStorableTime(t: number): boolean {
  return Number.isInteger(t) && isFirestoreTimestampMs(t);
}

/** A half-open event-time interval `[start, end)`. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** The latest timestamp inside `window`: `end − 1`. */
export function maxTimestamp(window: Window): number {
  return window.end - 1;
}

/** Whether `timestamp` lies in `[start, end)`. */
export function windowContains(window: Window, timestamp: number): boolean {
  return timestamp >= window.start && timestamp < window.end;
}

/**
 * Mathematical modulo: the result has the sign of `divisor`, so `floorMod(-1, 60) = 59`.
 * Window assignment needs this (floor), not JavaScript's `%` (truncation), to be correct for
 * timestamps before the epoch.
 */
export function floorMod(value: number, divisor: number): number {
  const r = value % divisor;
  // `+ 0` turns -0 into 0 so window starts never come out as -0.
  return r !== 0 && (r < 0) !== (divisor < 0) ? r + divisor : r + 0;
}

/** Clamps a watermark or time argument into `[MIN_TIMESTAMP, END_OF_TIME]`; `±Infinity` maps to the bounds. */
export function clampTime(t: number): number {
  if (t >= END_OF_TIME) return END_OF_TIME;
  if (t <= MIN_TIMESTAMP) return MIN_TIMESTAMP;
  return t;
}

/** Whether `t` is a valid element timestamp: a whole number in `[MIN_TIMESTAMP, END_OF_TIME)`. */
export function isValidTimestamp(t: number): boolean {
  return Number.isInteger(t) && t >= MIN_TIMESTAMP && t < END_OF_TIME;
}

/** `[start, end)` as a compact string for messages and logs, with ISO times when in `Date` range. */
export function formatWindow(window: Window): string {
  return `[${formatTime(window.start)}, ${formatTime(window.end)})`;
}

/** An epoch-ms instant as ISO-8601 (or `-∞`/`+∞` at the bounds). */
export function formatTime(t: number): string {
  if (t <= MIN_TIMESTAMP) return '-∞';
  if (t >= END_OF_TIME) return '+∞';
  return new Date(t).toISOString();
}
