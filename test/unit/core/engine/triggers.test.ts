import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paneId } from '../../../../shared/core/pane';
import { END_OF_TIME } from '../../../../shared/core/time';
import { Harness } from './harness';

const M = 60_000;

describe('default trigger', () => {
  it('fires ON_TIME when the watermark reaches the end of the window, then a LATE pane per late bundle, then collects', () => {
    const h = new Harness({ allowedLateness: '10s', accumulation: 'ACCUMULATING' });
    let r = h.send([[1_000], [59_999]], { watermark: 0 });
    expect(r.panes).toEqual([]);
    expect(r.timers).toEqual({ eventTime: M, processingTime: null });
    expect(h.windows()).toMatchObject([{ s: 0, e: M, a: [1_000, 59_999], c: 2, p: 2, te: M, tp: null, x: 0 }]);

    expect(h.advance({ watermark: M - 1 }).panes).toEqual([]);
    r = h.advance({ watermark: M });
    expect(Harness.brief(r.panes)).toEqual([['ON_TIME', 0, 0, true, false, [1_000, 59_999]]]);
    expect(r.panes[0]).toMatchObject({ aggregation: 'agg', key: 'k', window: { start: 0, end: M }, watermark: M, eventCount: 2 });
    expect(r.panes[0]?.paneId).toBe(paneId('agg', 'k', { start: 0, end: M }, 0));
    // Left behind: the accumulated window, no trigger timer, garbage collection at end + lateness.
    expect(h.windows()).toMatchObject([{ a: [1_000, 59_999], p: 0, i: 1, ns: 0, lt: 2, te: null }]);
    expect(r.timers).toEqual({ eventTime: M + 10_000, processingTime: null });

    r = h.send([[30_000], [40_000]]);
    expect(Harness.brief(r.panes)).toEqual([['LATE', 1, 1, false, false, [1_000, 30_000, 40_000, 59_999]]]);
    r = h.send([[50_000]]);
    expect(Harness.brief(r.panes)).toEqual([['LATE', 2, 2, false, false, [1_000, 30_000, 40_000, 50_000, 59_999]]]);

    r = h.advance({ watermark: M + 10_000 });
    expect(r.panes).toEqual([]); // nothing new since the last pane
    expect(r.collected).toEqual([{ key: 'k', window: { start: 0, end: M } }]);
    expect(h.state.keys).toEqual([]);
    expect(r.timers).toEqual({ eventTime: null, processingTime: null });
  });

  it('with allowed lateness 0 fires a single ON_TIME pane that is the last one', () => {
    const h = new Harness();
    h.send([[5]], { watermark: 0 });
    const r = h.advance({ watermark: END_OF_TIME });
    expect(Harness.brief(r.panes)).toEqual([['ON_TIME', 0, 0, true, true, [5]]]);
    expect(h.state.keys).toEqual([]);
  });

  it('DISCARDING late panes carry only what is new', () => {
    const h = new Harness({ allowedLateness: '1m', accumulation: 'DISCARDING' });
    h.send([[1], [2]], { watermark: 0 });
    h.advance({ watermark: M });
    const r = h.send([[3]]);
    expect(Harness.brief(h.panes)).toEqual([
      ['ON_TIME', 0, 0, true, false, [1, 2]],
      ['LATE', 1, 1, false, false, [3]],
    ]);
    expect(r.panes[0]?.eventCount).toBe(1);
    expect(h.windows()).toMatchObject([{ a: null, c: 0, p: 0 }]);
  });

  it('ignores watermark and processing-time regressions', () => {
    const h = new Harness({ allowedLateness: '1m' });
    h.send([[1]], { watermark: M, processingTime: 100 });
    h.advance({ watermark: 0, processingTime: 5 });
    expect(h.state.watermark).toBe(M);
    expect(h.state.processingTime).toBe(100);
  });
});

describe('lateness boundary', () => {
  // Window [0, 60 000): maxTimestamp 59 999; allowed lateness 10 s → horizon 69 999.
  it('accepts an element while the watermark is exactly at maxTimestamp + allowedLateness', () => {
    const h = new Harness({ allowedLateness: '10s', accumulation: 'ACCUMULATING' });
    h.send([[100]], { watermark: 0 });
    h.advance({ watermark: M - 1 + 10_000 });
    expect(h.panes.map((p) => p.pane.timing)).toEqual(['ON_TIME']);
    const r = h.send([[200]]);
    expect(r.late).toEqual([]);
    expect(Harness.brief(r.panes)).toEqual([['LATE', 1, 1, false, false, [100, 200]]]);
  });

  it('returns an element as a late record once the watermark is one millisecond beyond', () => {
    const h = new Harness({ allowedLateness: '10s' });
    h.send([[100]], { watermark: 0 });
    h.advance({ watermark: M + 10_000 });
    const r = h.send([[59_999, 7]]);
    expect(r.panes).toEqual([]);
    expect(r.late).toEqual([
      { key: 'k', timestamp: 59_999, value: 7, window: { start: 0, end: M }, latenessMs: 10_001, watermark: M + 10_000, reason: 'expired' },
    ]);
    expect(h.state.keys).toEqual([]);
  });

  it('with zero lateness, an element at maxTimestamp is on time while the watermark equals it', () => {
    const h = new Harness();
    h.advance({ watermark: M - 1 });
    expect(h.send([[M - 1]]).late).toEqual([]);
    h.advance({ watermark: M });
    expect(h.send([[M - 1]]).late).toHaveLength(1);
  });

  it('judges each sliding window separately', () => {
    const h = new Harness({ window: { kind: 'sliding', size: '1m', period: '30s' } });
    h.advance({ watermark: 60_000 });
    const r = h.send([[45_000]]); // windows [0, 60 000) (expired) and [30 000, 90 000) (open)
    expect(r.late.map((l) => l.window)).toEqual([{ start: 0, end: M }]);
    expect(h.windows().map((w) => [w.s, w.e, w.a])).toEqual([[30_000, 90_000, [45_000]]]);
  });
});

describe('afterWatermark with early and late firings', () => {
  it('fires EARLY on processing time, ON_TIME (even if empty), then LATE per late trigger', () => {
    const h = new Harness({
      trigger: { kind: 'afterWatermark', early: { kind: 'afterProcessingTime', delay: '1m' }, late: { kind: 'afterCount', count: 2 } },
      allowedLateness: '1h',
      accumulation: 'DISCARDING',
    });
    let r = h.send([[10]], { watermark: 0, processingTime: 1_000 });
    expect(r.timers).toEqual({ eventTime: M, processingTime: 61_000 });
    expect(h.advance({ processingTime: 60_999 }).panes).toEqual([]);
    r = h.advance({ processingTime: 61_000 });
    expect(Harness.brief(r.panes)).toEqual([['EARLY', 0, -1, true, false, [10]]]);
    expect(r.timers).toEqual({ eventTime: M, processingTime: null }); // re-armed by the next element only

    r = h.advance({ watermark: M });
    expect(Harness.brief(r.panes)).toEqual([['ON_TIME', 1, 0, false, false, []]]);
    expect(r.timers).toEqual({ eventTime: M + 3_600_000, processingTime: null });

    expect(h.send([[20]]).panes).toEqual([]);
    r = h.send([[30]]);
    expect(Harness.brief(r.panes)).toEqual([['LATE', 2, 1, false, false, [20, 30]]]);
    r = h.send([[40]]);
    expect(r.panes).toEqual([]);
    r = h.advance({ watermark: M + 3_600_000 });
    expect(Harness.brief(r.panes)).toEqual([['LATE', 3, 2, false, true, [40]]]); // final pane at garbage collection
  });

  it('without late firings finishes after ON_TIME and reports later data as closed', () => {
    const h = new Harness({ trigger: { kind: 'afterWatermark', early: { kind: 'afterCount', count: 1 } }, allowedLateness: '1m', accumulation: 'ACCUMULATING' });
    expect(Harness.brief(h.send([[1]], { watermark: 0 }).panes)).toEqual([['EARLY', 0, -1, true, false, [1]]]);
    expect(Harness.brief(h.send([[2]]).panes)).toEqual([['EARLY', 1, -1, false, false, [1, 2]]]);
    expect(Harness.brief(h.advance({ watermark: M }).panes)).toEqual([['ON_TIME', 2, 0, false, true, [1, 2]]]);
    expect(h.windows()).toMatchObject([{ x: 1, a: null, te: null, tp: null }]);
    const r = h.send([[3]]);
    expect(r.late).toMatchObject([{ timestamp: 3, reason: 'closed', window: { start: 0, end: M } }]);
    expect(h.advance({ watermark: 2 * M }).collected).toEqual([{ key: 'k', window: { start: 0, end: M } }]);
  });

  it('plain afterWatermark fires once', () => {
    const h = new Harness({ trigger: { kind: 'afterWatermark' }, allowedLateness: '1m' });
    h.send([[1]], { watermark: 0 });
    expect(Harness.brief(h.advance({ watermark: M }).panes)).toEqual([['ON_TIME', 0, 0, true, true, [1]]]);
    expect(h.send([[2]]).late).toHaveLength(1);
  });
});

describe('count, processing-time and composite triggers', () => {
  it('repeatedly(afterCount) evaluates once per bundle, like Beam', () => {
    const h = new Harness({ trigger: { kind: 'repeatedly', trigger: { kind: 'afterCount', count: 2 } }, accumulation: 'DISCARDING' });
    expect(h.send([[1]], { watermark: 0 }).panes).toEqual([]);
    expect(h.windows()[0]?.t).toEqual([0, 0, 1]); // repeatedly's bit, afterCount's bit and count
    expect(Harness.brief(h.send([[2]]).panes)).toEqual([['EARLY', 0, -1, true, false, [1, 2]]]);
    expect(h.windows()[0]?.t).toEqual([0, 0, 0]);
    expect(Harness.brief(h.send([[3], [4], [5]]).panes)).toEqual([['EARLY', 1, -1, false, false, [3, 4, 5]]]);
    expect(Harness.brief(h.advance({ watermark: END_OF_TIME }).panes)).toEqual([['ON_TIME', 2, 0, false, true, []]]);
  });

  // Checked against Apache Beam (Python DirectRunner, TestStream): fixed 10 s windows, accumulating,
  // elements 1, 2, 4, 8 at 1 s … 4 s with the watermark moved between them. Beam fires EARLY (1 + 2)
  // after the second element and EARLY (1 + 2 + 4 + 8) after the fourth: the composite re-arms.
  it('repeatedly(afterAny(afterCount(2), afterWatermark)) re-arms the composite after each firing, like Beam', () => {
    const h = new Harness({
      window: { kind: 'fixed', size: '10s' },
      trigger: { kind: 'repeatedly', trigger: { kind: 'afterAny', triggers: [{ kind: 'afterCount', count: 2 }, { kind: 'afterWatermark' }] } },
      accumulation: 'ACCUMULATING',
    });
    const panes = [1, 2, 4, 8].flatMap((v, i) => h.send([[(i + 1) * 1000, v]], { watermark: i * 1000 }).panes);
    expect(Harness.brief(panes)).toEqual([
      ['EARLY', 0, -1, true, false, [1, 2]],
      ['EARLY', 1, -1, false, false, [1, 2, 4, 8]],
    ]);
    // A third pair fires a third time: the sub-triggers re-armed again.
    expect(Harness.brief([16, 32].flatMap((v) => h.send([[5000, v]]).panes))).toEqual([['EARLY', 2, -1, false, false, [1, 2, 4, 8, 16, 32]]]);
  });

  it('a composite inside repeatedly re-arms after every firing: afterAny fires every min, afterAll every max of its counts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom('afterAny', 'afterAll'), fc.integer({ min: 1, max: 30 }), (a, b, kind, n) => {
        const h = new Harness({
          window: { kind: 'fixed', size: '1h' },
          trigger: { kind: 'repeatedly', trigger: { kind, triggers: [{ kind: 'afterCount', count: a }, { kind: 'afterCount', count: b }] } },
          accumulation: 'DISCARDING',
        });
        // One element per bundle (each bundle is one trigger evaluation), the watermark far from the window's end.
        const panes = Array.from({ length: n }, (_, i) => h.send([[1000 + i, i]], { watermark: 0 }).panes).flat();
        const every = kind === 'afterAny' ? Math.min(a, b) : Math.max(a, b);
        expect(panes.map((p) => p.output.length)).toEqual(Array.from({ length: Math.floor(n / every) }, () => every));
      }),
    );
  });

  it('repeatedly(afterAll(afterCount(2), afterWatermark)) does not fire for one late element after it fired (Beam does not)', () => {
    const h = new Harness({
      window: { kind: 'fixed', size: '10s' },
      trigger: { kind: 'repeatedly', trigger: { kind: 'afterAll', triggers: [{ kind: 'afterCount', count: 2 }, { kind: 'afterWatermark' }] } },
      allowedLateness: '1m',
      accumulation: 'ACCUMULATING',
    });
    h.send([[1000, 1], [2000, 2]], { watermark: 0 });
    expect(Harness.brief(h.advance({ watermark: 10_000 }).panes)).toEqual([['ON_TIME', 0, 0, true, false, [1, 2]]]);
    // One late element: afterCount(2) re-armed and has seen one, so afterAll is not ready.
    expect(h.send([[3000, 4]]).panes).toEqual([]);
    expect(Harness.brief(h.send([[4000, 8]]).panes)).toEqual([['LATE', 1, 1, false, false, [1, 2, 4, 8]]]);
  });

  it('afterCount alone fires once and closes the window', () => {
    const h = new Harness({ trigger: { kind: 'afterCount', count: 2 }, allowedLateness: '1m', accumulation: 'ACCUMULATING' });
    h.send([[1]], { watermark: 0 });
    expect(Harness.brief(h.send([[2], [3]]).panes)).toEqual([['EARLY', 0, -1, true, true, [1, 2, 3]]]);
    expect(h.send([[4]]).late.map((l) => l.reason)).toEqual(['closed']);
    expect(h.advance({ watermark: END_OF_TIME }).panes).toEqual([]);
  });

  it('afterProcessingTime aligns its deadline and repeats from the next element', () => {
    const h = new Harness({ trigger: { kind: 'repeatedly', trigger: { kind: 'afterProcessingTime', delay: '5s', alignTo: '1m', alignOffset: '1s' } } });
    let r = h.send([[1]], { watermark: 0, processingTime: 61_000 });
    expect(r.timers.processingTime).toBe(121_000); // 66 000 rounded up to 60 000·k + 1 000
    r = h.advance({ processingTime: 121_000 });
    expect(Harness.brief(r.panes)).toEqual([['EARLY', 0, -1, true, false, [1]]]);
    expect(r.timers.processingTime).toBeNull();
    r = h.send([[2]], { processingTime: 121_000 });
    expect(r.panes).toEqual([]);
    expect(r.timers.processingTime).toBe(181_000);
  });

  it('afterEach runs its sub-triggers in sequence and then closes', () => {
    const h = new Harness({ trigger: { kind: 'afterEach', triggers: [{ kind: 'afterCount', count: 1 }, { kind: 'afterCount', count: 2 }] }, allowedLateness: '1m' });
    expect(Harness.brief(h.send([[1]], { watermark: 0 }).panes)).toEqual([['EARLY', 0, -1, true, false, [1]]]);
    expect(h.send([[2]]).panes).toEqual([]);
    expect(Harness.brief(h.send([[3]]).panes)).toEqual([['EARLY', 1, -1, false, true, [2, 3]]]);
    expect(h.windows()[0]?.x).toBe(1);
  });

  it('afterFirst fires on whichever is ready first; afterAny is the same', () => {
    for (const kind of ['afterFirst', 'afterAny'] as const) {
      const h = new Harness({ trigger: { kind, triggers: [{ kind: 'afterCount', count: 3 }, { kind: 'afterProcessingTime', delay: '10s' }] }, allowedLateness: '1m' });
      h.send([[1]], { watermark: 0, processingTime: 0 });
      expect(h.last.timers.processingTime).toBe(10_000);
      expect(Harness.brief(h.advance({ processingTime: 10_000 }).panes)).toEqual([['EARLY', 0, -1, true, true, [1]]]);
    }
  });

  it('afterAll waits for every sub-trigger', () => {
    const h = new Harness({ trigger: { kind: 'afterAll', triggers: [{ kind: 'afterCount', count: 2 }, { kind: 'afterProcessingTime', delay: '10s' }] }, allowedLateness: '1m' });
    h.send([[1]], { watermark: 0, processingTime: 0 });
    expect(h.advance({ processingTime: 10_000 }).panes).toEqual([]);
    expect(Harness.brief(h.send([[2]]).panes)).toEqual([['EARLY', 0, -1, true, true, [1, 2]]]);
  });

  it('orFinally fires with the main trigger until the until-trigger fires', () => {
    const h = new Harness({
      trigger: { kind: 'orFinally', main: { kind: 'repeatedly', trigger: { kind: 'afterCount', count: 1 } }, until: { kind: 'afterCount', count: 3 } },
      allowedLateness: '1m',
    });
    h.send([[1]], { watermark: 0 });
    h.send([[2]]);
    h.send([[3]]);
    expect(Harness.brief(h.panes)).toEqual([
      ['EARLY', 0, -1, true, false, [1]],
      ['EARLY', 1, -1, false, false, [2]],
      ['EARLY', 2, -1, false, true, [3]],
    ]);
    expect(h.send([[4]]).late.map((l) => l.reason)).toEqual(['closed']);
  });

  it('never fires only the garbage-collection pane', () => {
    const h = new Harness({ trigger: { kind: 'never' }, allowedLateness: '1m', accumulation: 'ACCUMULATING' });
    h.send([[1]], { watermark: 0 });
    expect(h.advance({ watermark: M }).panes).toEqual([]);
    h.send([[2]]);
    expect(Harness.brief(h.advance({ watermark: 2 * M }).panes)).toEqual([['ON_TIME', 0, 0, true, true, [1, 2]]]);
  });

  it('rejects invalid trigger specs with the rule', () => {
    expect(() => new Harness({ trigger: { kind: 'afterCount', count: 0 } })).toThrow(/afterCount needs a whole number count ≥ 1; got 0/);
    expect(() => new Harness({ trigger: { kind: 'afterEach', triggers: [] } })).toThrow(/non-empty array/);
    expect(() =>
      new Harness({ trigger: { kind: 'orFinally', main: { kind: 'default' }, until: { kind: 'repeatedly', trigger: { kind: 'afterCount', count: 1 } } } }),
    ).toThrow(/orFinally.until must be a trigger that finishes/);
    expect(() => new Harness({ trigger: { kind: 'afterProcessingTime', delay: '1s', alignTo: '1m', alignOffset: '1m' } })).toThrow(
      /alignOffset must satisfy 0 ≤ alignOffset < alignTo/,
    );
    expect(() => new Harness({ trigger: { kind: 'soon' } as never })).toThrow(/trigger kind must be one of/);
    expect(() => new Harness({ accumulation: 'SOMETIMES' as never })).toThrow(/accumulation must be 'DISCARDING' or 'ACCUMULATING'/);
  });
});

describe('sessions', () => {
  it('merges a late element that bridges two fired sessions, continuing their pane counters', () => {
    const h = new Harness({ window: { kind: 'sessions', gap: '10s' }, allowedLateness: '1m', accumulation: 'ACCUMULATING' });
    h.send([[0], [15_000]], { watermark: 0 });
    expect(h.windows().map((w) => [w.s, w.e])).toEqual([[0, 10_000], [15_000, 25_000]]);
    let r = h.advance({ watermark: 30_000 });
    expect(r.panes.map((p) => [p.window.start, p.window.end, p.pane.timing, p.output])).toEqual([
      [0, 10_000, 'ON_TIME', [0]],
      [15_000, 25_000, 'ON_TIME', [15_000]],
    ]);
    r = h.send([[8_000]]); // [8 000, 18 000) overlaps both
    expect(r.panes.map((p) => [p.window.start, p.window.end, p.pane.timing, p.pane.index, p.pane.nonSpeculativeIndex, p.output])).toEqual([
      [0, 25_000, 'LATE', 1, 1, [0, 8_000, 15_000]],
    ]);
    expect(h.windows()).toMatchObject([{ s: 0, e: 25_000, c: 3, p: 0, i: 2 }]);
    expect(r.timers.eventTime).toBe(25_000 + 60_000);
  });

  it('a late element extending a session past the watermark reopens its early phase (Beam merge rule)', () => {
    const h = new Harness({
      window: { kind: 'sessions', gap: '10s' },
      trigger: { kind: 'afterWatermark', late: { kind: 'afterCount', count: 5 } },
      allowedLateness: '1m',
      accumulation: 'ACCUMULATING',
    });
    h.send([[0]], { watermark: 0 });
    h.advance({ watermark: 10_000 });
    const r = h.send([[5_000]]); // merged window [0, 15 000) ends after the watermark: back to the early phase
    expect(r.panes).toEqual([]);
    expect(r.timers.eventTime).toBe(15_000);
    expect(Harness.brief(h.advance({ watermark: 15_000 }).panes)).toEqual([['LATE', 1, 1, false, false, [0, 5_000]]]);
  });

  it('merges trigger counts of merging sessions', () => {
    const h = new Harness({ window: { kind: 'sessions', gap: '10s' }, trigger: { kind: 'repeatedly', trigger: { kind: 'afterCount', count: 3 } } });
    h.send([[0], [15_000]], { watermark: 0 });
    expect(h.panes).toEqual([]);
    expect(h.windows().map((w) => w.t)).toEqual([[0, 0, 1], [0, 0, 1]]);
    expect(Harness.brief(h.send([[8_000]]).panes)).toEqual([['EARLY', 0, -1, true, false, [0, 8_000, 15_000]]]);
    expect(h.windows().map((w) => [w.s, w.e, w.t])).toEqual([[0, 25_000, [0, 0, 0]]]);
  });

  it('a merged session keeps the earliest processing-time deadline of its parts', () => {
    const h = new Harness({ window: { kind: 'sessions', gap: '10s' }, trigger: { kind: 'repeatedly', trigger: { kind: 'afterProcessingTime', delay: '10s' } } });
    h.send([[0]], { watermark: 0, processingTime: 0 });
    h.send([[15_000]], { processingTime: 5_000 });
    expect(h.windows().map((w) => w.tp)).toEqual([10_000, 15_000]);
    const r = h.send([[8_000]], { processingTime: 6_000 });
    expect(h.windows().map((w) => [w.s, w.e, w.tp])).toEqual([[0, 25_000, 10_000]]);
    expect(r.timers.processingTime).toBe(10_000);
    expect(Harness.brief(h.advance({ processingTime: 10_000 }).panes)).toEqual([['EARLY', 0, -1, true, false, [0, 8_000, 15_000]]]);
  });

  it('expires elements by their own proto-window', () => {
    const h = new Harness({ window: { kind: 'sessions', gap: '10s' } });
    h.advance({ watermark: 10_000 });
    expect(h.send([[0]]).late).toMatchObject([{ window: { start: 0, end: 10_000 }, reason: 'expired' }]);
    expect(h.send([[1]]).late).toEqual([]);
  });
});

describe('global window', () => {
  it('fires under the default trigger only at the end of time', () => {
    const h = new Harness({ window: { kind: 'global' }, allowedLateness: '1d' });
    const r = h.send([[-5], [1e12]], { watermark: 0 });
    expect(r.timers.eventTime).toBe(END_OF_TIME);
    expect(h.advance({ watermark: 8e15 }).panes).toEqual([]);
    const end = h.advance({ watermark: Number.POSITIVE_INFINITY });
    expect(Harness.brief(end.panes)).toEqual([['ON_TIME', 0, 0, true, true, [-5, 1e12]]]);
    expect(end.panes[0]?.window.end).toBe(END_OF_TIME);
    expect(h.state.watermark).toBe(END_OF_TIME);
    expect(h.state.keys).toEqual([]);
  });
});
