import { describe, expect, it } from 'vitest';
import { initialPartitionState, planStep, type PartitionState } from '../../../../shared/core/engine';

/** A state whose windows have these event-time (te) and processing-time (tp) timers. */
function stateWith(timers: Array<{ te?: number; tp?: number }>, watermark = 0, processingTime = 0): PartitionState {
  const s = initialPartitionState();
  s.watermark = watermark;
  s.processingTime = processingTime;
  s.keys = timers.map((t, i) => ({ key: `k${i}`, windows: [{ s: 0, e: 1, a: null, c: 0, p: 0, t: [], i: 0, ns: -1, lt: 0, ot: 0, x: 0, te: t.te ?? null, tp: t.tp ?? null }] }));
  return s;
}
const target = { watermark: 1_000, processingTime: 1_000 };

describe('planStep', () => {
  it('takes the whole step when few timers are due', () => {
    expect(planStep(stateWith([{ te: 10 }, { te: 20 }, { tp: 30 }]), target, 3)).toEqual(target);
  });

  it('stops the watermark at the timer that uses up the budget', () => {
    const s = stateWith([50, 10, 40, 20, 30].map((te) => ({ te })));
    expect(planStep(s, target, 2)).toEqual({ watermark: 20, processingTime: 1_000 });
    expect(planStep(s, target, 4)).toEqual({ watermark: 40, processingTime: 1_000 });
  });

  it('fires timers that share a time together (a step may carry more than the budget)', () => {
    const s = stateWith([10, 10, 10, 20].map((te) => ({ te })));
    expect(planStep(s, target, 2).watermark).toBe(10);
  });

  it('ignores timers beyond the target', () => {
    expect(planStep(stateWith([{ te: 10 }, { te: 5_000 }, { tp: 6_000 }]), target, 2)).toEqual(target);
  });

  it('shares the budget between the watermark and the clock when both want more', () => {
    const s = stateWith([...[1, 2, 3, 4, 5, 6].map((te) => ({ te })), ...[1, 2, 3, 4, 5, 6].map((tp) => ({ tp }))]);
    expect(planStep(s, target, 4)).toEqual({ watermark: 2, processingTime: 2 });
    // Few processing-time timers: the watermark gets what they leave.
    const t = stateWith([...[1, 2, 3, 4, 5, 6].map((te) => ({ te })), { tp: 1 }]);
    expect(planStep(t, target, 4)).toEqual({ watermark: 3, processingTime: 1_000 });
  });

  it('never moves behind the state, and always makes progress toward the target', () => {
    const s = stateWith(Array.from({ length: 50 }, (_, i) => ({ te: 100 + i })), 120, 0);
    expect(planStep(s, target, 3).watermark).toBe(120);
    let state = stateWith(Array.from({ length: 100 }, (_, i) => ({ te: 10 + i * 7 })));
    let steps = 0;
    for (;;) {
      const step = planStep(state, target, 10);
      steps++;
      // What the engine would do: fire (clear) every timer due at the step.
      state = { ...state, watermark: step.watermark, keys: state.keys.filter((k) => k.windows[0]!.te! > step.watermark) };
      if (step.watermark === target.watermark) break;
      expect(steps).toBeLessThan(20);
    }
    expect(steps).toBe(10);
  });

  it('refuses a budget below 2', () => {
    expect(() => planStep(stateWith([]), target, 1)).toThrow(/maxFirings must be a whole number ≥ 2/);
  });
});
