import { describe, expect, it } from 'vitest';
import { triggerFromSpec, type TriggerContext } from '../../../../shared/core/triggers';

const ctx = (over: Partial<TriggerContext> = {}): TriggerContext => ({ windowEnd: 100, watermark: 0, processingTime: 0, merging: true, ...over });

describe('compiled triggers', () => {
  it('lay their state out depth-first in one flat array', () => {
    const t = triggerFromSpec({
      kind: 'orFinally',
      main: { kind: 'repeatedly', trigger: { kind: 'afterCount', count: 2 } },
      until: { kind: 'afterProcessingTime', delay: '1s' },
    });
    // orFinally[fin] repeatedly[fin] afterCount[fin, n] afterProcessingTime[fin, has, deadline]
    expect(t.slots).toBe(7);
    expect(t.describe()).toBe('Repeatedly(AfterCount(2)).orFinally(AfterProcessingTime(1000ms))');
    const s = t.newState();
    t.onElement(s, ctx({ processingTime: 500 }), 1);
    expect(s).toEqual([0, 0, 0, 1, 0, 1, 1_500]);
  });

  it('merge counts by summing and processing-time deadlines by taking the earliest', () => {
    const t = triggerFromSpec({ kind: 'afterAll', triggers: [{ kind: 'afterCount', count: 5 }, { kind: 'afterProcessingTime', delay: '10s' }] });
    const a = t.newState();
    const b = t.newState();
    t.onElement(a, ctx({ processingTime: 1_000 }), 2);
    t.onElement(b, ctx({ processingTime: 3_000 }), 2);
    const merged = t.onMerge([a, b, t.newState()], ctx());
    expect(merged).toEqual([0, 0, 4, 0, 1, 11_000]);
    expect(t.nextTimers(merged, ctx({ processingTime: 2_000 }))).toEqual({ eventTime: Number.POSITIVE_INFINITY, processingTime: 11_000 });
  });

  it('a once-trigger finished in any merging window stays finished', () => {
    const t = triggerFromSpec({ kind: 'afterCount', count: 1 });
    const a = t.newState();
    t.onElement(a, ctx(), 1);
    expect(t.onFire(a, ctx())).toBe(true);
    expect(t.isFinished(t.onMerge([a, t.newState()], ctx()))).toBe(true);
  });

  it('afterWatermark is re-armed by a merge unless finished everywhere and past the merged end', () => {
    const t = triggerFromSpec({ kind: 'afterWatermark' });
    const done = t.newState();
    t.onFire(done, ctx({ watermark: 100 }));
    expect(t.isFinished(t.onMerge([done, done], ctx({ watermark: 150, windowEnd: 120 })))).toBe(true);
    expect(t.isFinished(t.onMerge([done, done], ctx({ watermark: 150, windowEnd: 200 })))).toBe(false);
    expect(t.isFinished(t.onMerge([done, t.newState()], ctx({ watermark: 150, windowEnd: 120 })))).toBe(false);
  });

  it('reports only future timers, so a ready-but-unfired sub-trigger never makes a timer that is already due', () => {
    const t = triggerFromSpec({ kind: 'afterAll', triggers: [{ kind: 'afterWatermark' }, { kind: 'afterCount', count: 3 }] });
    const s = t.newState();
    expect(t.nextTimers(s, ctx({ watermark: 50 })).eventTime).toBe(100);
    expect(t.shouldFire(s, ctx({ watermark: 100 }))).toBe(false);
    expect(t.nextTimers(s, ctx({ watermark: 100 })).eventTime).toBe(Number.POSITIVE_INFINITY);
  });
});
