import { describe, expect, it } from 'vitest';
import { compileAggregation, initialPartitionState, processBundle, runBatch, timersDue, type Element } from '../../../../shared/core/engine';
import { END_OF_TIME, MIN_TIMESTAMP } from '../../../../shared/core/time';
import { base, Harness, listFn } from './harness';

const M = 60_000;

describe('processBundle over a partition with many keys', () => {
  it('keeps per-key windows apart, reports the earliest timer of the partition and collects per key', () => {
    const h = new Harness({ allowedLateness: '30s' });
    const r = h.send(
      [
        [10, 1, 'a'],
        [70_000, 2, 'a'],
        [20, 3, 'b'],
      ],
      { watermark: 0 },
    );
    expect(h.state.keys.map((k) => [k.key, k.windows.map((w) => w.s)])).toEqual([
      ['a', [0, M]],
      ['b', [0]],
    ]);
    expect(r.timers).toEqual({ eventTime: M, processingTime: null });
    const on = h.advance({ watermark: M });
    expect(on.panes.map((p) => [p.key, p.window.start, p.output])).toEqual([
      ['a', 0, [1]],
      ['b', 0, [3]],
    ]);
    expect(on.timers.eventTime).toBe(M + 30_000); // gc of the first windows comes before the end of [60 000, 120 000)
    const gc = h.advance({ watermark: M + 30_000 });
    expect(gc.collected).toEqual([
      { key: 'a', window: { start: 0, end: M } },
      { key: 'b', window: { start: 0, end: M } },
    ]);
    expect(h.state.keys.map((k) => k.key)).toEqual(['a']);
    expect(gc.timers.eventTime).toBe(2 * M);
  });

  it('carries the event id into late records and judges a bundle against the previous watermark', () => {
    const agg = compileAggregation(base, listFn);
    const state = initialPartitionState<number[]>();
    // The watermark arriving with a bundle does not make that bundle's own elements late.
    let r = processBundle(agg, state, { elements: [{ key: 'k', timestamp: 5, value: 5, id: 'e-1' }], watermark: 2 * M, processingTime: 0 });
    expect(r.late).toEqual([]);
    expect(r.panes.map((p) => p.output)).toEqual([[5]]);
    r = processBundle(agg, r.state, { elements: [{ key: 'k', timestamp: 6, value: 6, id: 'e-2' }], watermark: 2 * M, processingTime: 0 });
    expect(r.late).toEqual([
      { key: 'k', timestamp: 6, value: 6, id: 'e-2', window: { start: 0, end: M }, latenessMs: 2 * M - 6, watermark: 2 * M, reason: 'expired' },
    ]);
  });

  it('is deterministic: the same state and input give the same output', () => {
    const agg = compileAggregation({ ...base, window: { kind: 'sessions', gap: '5s' }, allowedLateness: '1m' }, listFn);
    const elements: Element<number>[] = Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 7}`, timestamp: (i * 7919) % 100_000, value: i }));
    const start = processBundle(agg, initialPartitionState<number[]>(), { elements: elements.slice(0, 100), watermark: 50_000, processingTime: 1 }).state;
    const a = processBundle(agg, structuredClone(start), { elements: elements.slice(100), watermark: 90_000, processingTime: 2 });
    const b = processBundle(agg, structuredClone(start), { elements: elements.slice(100), watermark: 90_000, processingTime: 2 });
    expect(a).toEqual(b);
    expect(JSON.parse(JSON.stringify(a.state))).toEqual(a.state);
  });

  it('rejects invalid timestamps and clocks with the rule', () => {
    const agg = compileAggregation(base, listFn);
    const bad = (timestamp: number) => () =>
      processBundle(agg, initialPartitionState<number[]>(), { elements: [{ key: 'k', timestamp, value: 1 }], watermark: 0, processingTime: 0 });
    expect(bad(1.5)).toThrow(/timestamp must be a whole number of epoch ms/);
    expect(bad(Number.NaN)).toThrow(RangeError);
    expect(bad(END_OF_TIME)).toThrow(RangeError);
    expect(() => processBundle(agg, initialPartitionState<number[]>(), { elements: [], watermark: Number.NaN, processingTime: 0 })).toThrow(/watermark must be a number/);
  });

  it('an advance with nothing due changes nothing but the clocks', () => {
    const h = new Harness({ allowedLateness: '1m' });
    h.send([[1]], { watermark: 0 });
    const before = structuredClone(h.state);
    const r = h.advance({ watermark: 10, processingTime: 5 });
    expect(r.panes).toEqual([]);
    expect({ ...h.state, watermark: 0, processingTime: 0 }).toEqual({ ...before, watermark: 0, processingTime: 0 });
  });
});

describe('timersDue', () => {
  it('is true once either clock reaches its timer', () => {
    const timers = { eventTime: 100, processingTime: 5_000 };
    expect(timersDue(timers, 99, 4_999)).toBe(false);
    expect(timersDue(timers, 100, 0)).toBe(true);
    expect(timersDue(timers, 0, 5_000)).toBe(true);
    expect(timersDue({ eventTime: null, processingTime: null }, Number.POSITIVE_INFINITY, 1e15)).toBe(false);
    expect(timersDue({ eventTime: END_OF_TIME, processingTime: null }, Number.POSITIVE_INFINITY, 0)).toBe(true);
  });
});

describe('runBatch', () => {
  it('is one bundle from the beginning of time to +∞', () => {
    const agg = compileAggregation({ ...base, window: { kind: 'global' } }, listFn);
    const r = runBatch(agg, [
      { key: 'x', timestamp: MIN_TIMESTAMP, value: 1 },
      { key: 'x', timestamp: END_OF_TIME - 1, value: 2 },
    ]);
    expect(r.late).toEqual([]);
    expect(r.panes.map((p) => [p.key, p.output, p.pane.timing, p.pane.isLast, p.watermark])).toEqual([['x', [1, 2], 'ON_TIME', true, END_OF_TIME]]);
  });
});
