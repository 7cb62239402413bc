/**
 * Heuristic event-time watermark estimation, pure: all times come in as arguments and the state
 * is plain JSON.
 *
 * - **Bounded out-of-orderness**: `watermark = maxEventTime − maxOutOfOrderness`. Data up to
 *   `maxOutOfOrderness` behind the newest event is on time; anything further behind is late.
 * - **Monotonic**: the watermark never moves back, whatever the inputs.
 * - **Idle advance**: when no event has arrived for `idleTimeout` of processing time, the
 *   watermark advances with processing time from where the data left it:
 *   `maxEventTime − maxOutOfOrderness + (processingTime − lastEventAt − idleTimeout)`.
 *   It is relative to the last event (not to the wall clock) so that a replay of old data that
 *   pauses does not suddenly declare everything late.
 */
import { parseDuration } from './duration';
import type { DurationInput } from './spec';
import { END_OF_TIME, MIN_TIMESTAMP } from './time';

/** Validated watermark parameters, in milliseconds. */
export interface WatermarkPolicy {
  readonly maxOutOfOrdernessMs: number;
  /** Silence (in processing time) after which processing time advances the watermark. */
  readonly idleTimeoutMs: number;
}

/** One source's (or partition's) watermark state. Plain JSON. */
export interface WatermarkState {
  /** The largest event time seen, or `null` before the first event. */
  maxEventTime: number | null;
  /** Processing time at which the last event arrived, or `null` before the first event. */
  lastEventAt: number | null;
  /** The current watermark; `MIN_TIMESTAMP` until there is data. */
  watermark: number;
}

/**
 * Builds a policy from durations (both explicit: there is no hidden default).
 *
 * @throws SpecError when a duration is invalid.
 */
export function watermarkPolicy(
  spec: { maxOutOfOrderness: DurationInput; idleTimeout: DurationInput },
  path = 'watermark',
): WatermarkPolicy {
  return {
    maxOutOfOrdernessMs: parseDuration(spec.maxOutOfOrderness, `${path}.maxOutOfOrderness`),
    idleTimeoutMs: parseDuration(spec.idleTimeout, `${path}.idleTimeout`),
  };
}

/** The state before any event. */
export function initialWatermarkState(): WatermarkState {
  return { maxEventTime: null, lastEventAt: null, watermark: MIN_TIMESTAMP };
}

/**
 * Records a bundle of events (given as their largest event time) that arrived at
 * `processingTime`, and advances the watermark. Returns a new state.
 */
export function observeEvents(
  policy: WatermarkPolicy,
  state: WatermarkState,
  maxEventTimeInBundle: number,
  processingTime: number,
): WatermarkState {
  const maxEventTime = state.maxEventTime === null ? maxEventTimeInBundle : Math.max(state.maxEventTime, maxEventTimeInBundle);
  const lastEventAt = state.lastEventAt === null ? processingTime : Math.max(state.lastEventAt, processingTime);
  return advanceWatermark(policy, { maxEventTime, lastEventAt, watermark: state.watermark }, processingTime);
}

/** Recomputes the watermark at `processingTime` (idle advance), never moving it back. Returns a new state. */
export function advanceWatermark(policy: WatermarkPolicy, state: WatermarkState, processingTime: number): WatermarkState {
  return { ...state, watermark: Math.max(state.watermark, estimateWatermark(policy, state, processingTime)) };
}

/** Whether the source has been silent for at least the idle timeout (or has never seen an event). */
export function isIdle(policy: WatermarkPolicy, state: WatermarkState, processingTime: number): boolean {
  return state.lastEventAt === null || processingTime - state.lastEventAt >= policy.idleTimeoutMs;
}

/** The watermark the data alone supports at `processingTime`, before the monotonic clamp. */
function estimateWatermark(policy: WatermarkPolicy, state: WatermarkState, processingTime: number): number {
  if (state.maxEventTime === null || state.lastEventAt === null) return MIN_TIMESTAMP;
  const base = state.maxEventTime - policy.maxOutOfOrdernessMs;
  const idleFor = processingTime - state.lastEventAt - policy.idleTimeoutMs;
  return Math.min(END_OF_TIME, idleFor > 0 ? base + idleFor : base);
}

/**
 * Combines per-partition watermark states into one watermark at `processingTime`:
 * the minimum over *active* partitions (idle ones are excluded so a quiet partition does not
 * hold results back). When every partition is idle, the minimum of their idle-advanced
 * estimates over partitions that have seen data. Never below `previous` (monotonic).
 */
export function combineWatermarks(
  policy: WatermarkPolicy,
  partitions: readonly WatermarkState[],
  processingTime: number,
  previous: number = MIN_TIMESTAMP,
): number {
  let activeMin = Number.POSITIVE_INFINITY;
  let idleMin = Number.POSITIVE_INFINITY;
  for (const p of partitions) {
    if (p.maxEventTime === null) continue;
    const estimate = Math.max(p.watermark, estimateWatermark(policy, p, processingTime));
    if (isIdle(policy, p, processingTime)) idleMin = Math.min(idleMin, estimate);
    else activeMin = Math.min(activeMin, estimate);
  }
  const combined = activeMin !== Number.POSITIVE_INFINITY ? activeMin : idleMin !== Number.POSITIVE_INFINITY ? idleMin : MIN_TIMESTAMP;
  return Math.max(previous, combined);
}
