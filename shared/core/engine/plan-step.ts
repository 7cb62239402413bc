/**
 * Bounded steps. One call of the engine fires every timer the new watermark and processing time
 * make due: a watermark jump over 3,000 keys × 10 open windows fires 30,000 panes at once, about
 * 19 MiB of rows — more than one Firestore commit may carry (10 MiB per request). The caller plans
 * each step first: it advances the watermark and processing time only as far as `maxFirings`
 * timers allow, commits that, and continues (a self-addressed advance on the partition's ordered
 * stream) until it reaches its target. Capping a step moves time forward in smaller increments,
 * exactly as a slower sequence of advances would: the result is the same set of panes.
 */
import type { PartitionState } from './types';

/** Time to run one step at. */
export interface StepTime {
  watermark: number;
  processingTime: number;
}

/**
 * The step to take towards `target`: `target` itself when at most `maxFirings` timers are due by
 * then, else the latest watermark and processing time at which about `maxFirings` are (timers that
 * share a time fire together, so a step may carry a few more). Never behind the state's own times.
 */
export function planStep(state: PartitionState, target: StepTime, maxFirings: number): StepTime {
  if (!Number.isInteger(maxFirings) || maxFirings < 2) throw new RangeError(`maxFirings must be a whole number ≥ 2; got ${maxFirings}`);
  const byWatermark: number[] = [];
  const byClock: number[] = [];
  for (const k of state.keys) {
    for (const w of k.windows) {
      if (w.te !== null && w.te <= target.watermark) byWatermark.push(w.te);
      if (w.tp !== null && w.tp <= target.processingTime) byClock.push(w.tp);
    }
  }
  if (byWatermark.length + byClock.length <= maxFirings) return target;
  // Share the budget: each kind gets what the other leaves, and at least half when both want more.
  const half = Math.ceil(maxFirings / 2);
  const forWatermark = byClock.length >= half ? Math.max(maxFirings - byClock.length, half) : maxFirings - byClock.length;
  const forClock = maxFirings - Math.min(byWatermark.length, forWatermark);
  return {
    watermark: Math.max(state.watermark, cut(byWatermark, forWatermark, target.watermark)),
    processingTime: Math.max(state.processingTime, cut(byClock, forClock, target.processingTime)),
  };
}

/** The time at which the first `budget` of `due` fire (all of them: `target`). */
function cut(due: number[], budget: number, target: number): number {
  if (due.length <= budget) return target;
  due.sort((a, b) => a - b);
  return due[Math.max(0, budget - 1)]!;
}
