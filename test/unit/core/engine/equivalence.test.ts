import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAggregation, initialPartitionState, processBundle, runBatch, type Element, type EngineSpec } from '../../../../shared/core/engine';
import type { Pane } from '../../../../shared/core/pane';
import type { TriggerSpec, WindowSpec } from '../../../../shared/core/spec';
import { END_OF_TIME, MIN_TIMESTAMP, type Window } from '../../../../shared/core/time';
import { base, listFn } from './harness';

/** Naive reference, computed without the engine or the assigners: window → sorted values per key. */
function reference(spec: WindowSpec, elements: readonly Element<number>[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const add = (key: string, w: Window, v: number): void => {
    const id = `${key}|${w.start}|${w.end}`;
    const list = out.get(id) ?? [];
    list.push(v);
    out.set(id, list);
  };
  for (const el of elements) {
    const t = el.timestamp;
    if (spec.kind === 'fixed' || spec.kind === 'sliding') {
      const size = spec.size as number;
      const period = spec.kind === 'fixed' ? size : (spec.period as number);
      const offset = (spec.offset as number | undefined) ?? 0;
      // Scan every candidate start from far below.
      for (let start = offset - Math.ceil((size + 1e6) / period) * period; start <= t; start += period) {
        if (t >= start && t < start + size) add(el.key, { start, end: start + size }, el.value);
      }
    } else if (spec.kind === 'global') {
      add(el.key, { start: MIN_TIMESTAMP, end: END_OF_TIME }, el.value);
    }
  }
  if (spec.kind === 'sessions') {
    const gap = spec.gap as number;
    const keys = [...new Set(elements.map((e) => e.key))];
    for (const key of keys) {
      const mine = elements.filter((e) => e.key === key);
      // Pairwise merging until stable.
      let sessions: Window[] = mine.map((e) => ({ start: e.timestamp, end: e.timestamp + gap }));
      let merged = true;
      while (merged) {
        merged = false;
        for (let i = 0; i < sessions.length && !merged; i++) {
          for (let j = i + 1; j < sessions.length && !merged; j++) {
            const a = sessions[i] as Window;
            const b = sessions[j] as Window;
            if (a.start < b.end && b.start < a.end) {
              sessions = sessions.filter((_, k) => k !== i && k !== j);
              sessions.push({ start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) });
              merged = true;
            }
          }
        }
      }
      for (const e of mine) {
        const w = sessions.find((s) => e.timestamp >= s.start && e.timestamp < s.end) as Window;
        add(key, w, e.value);
      }
    }
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/** The last pane of each window (highest index), as window id → output. */
function finalPanes(panes: readonly Pane<number[]>[]): Map<string, number[]> {
  const last = new Map<string, Pane<number[]>>();
  for (const p of panes) {
    const id = `${p.key}|${p.window.start}|${p.window.end}`;
    const prev = last.get(id);
    if (prev === undefined || p.pane.index > prev.pane.index) last.set(id, p);
  }
  return new Map([...last].map(([id, p]) => [id, p.output]));
}

const WINDOWS: WindowSpec[] = [
  { kind: 'fixed', size: 10_000, offset: 3_000 },
  { kind: 'sliding', size: 10_000, period: 4_000, offset: 1_000 },
  { kind: 'sliding', size: 9_000, period: 3_000 },
  { kind: 'sessions', gap: 7_000 },
  { kind: 'global' },
];

const elementsArb = fc.array(
  fc.record({ key: fc.constantFrom('a', 'b', 'c'), timestamp: fc.integer({ min: -60_000, max: 120_000 }), value: fc.integer({ min: 0, max: 1_000 }) }),
  { maxLength: 60 },
);

/** Splits `xs` at the given cut points. */
function chunks<T>(xs: readonly T[], cuts: number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (xs.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let prev = 0;
  for (const p of [...points, xs.length]) {
    out.push(xs.slice(prev, p));
    prev = p;
  }
  return out;
}

describe.each(WINDOWS)('equivalence for %j', (window) => {
  const spec: EngineSpec = { ...base, window };

  it('one batch, many small bundles and shuffled bundles (watermark held back) give the same final panes, equal to the naive reference', () => {
    fc.assert(
      fc.property(elementsArb, fc.array(fc.nat(), { maxLength: 10 }), fc.array(fc.nat()), fc.constantFrom('DISCARDING', 'ACCUMULATING'), (elements, cuts, order, accumulation) => {
        const agg = compileAggregation({ ...spec, accumulation: accumulation as 'DISCARDING' }, listFn);
        const batch = runBatch(agg, elements).panes;
        const expected = reference(window, elements);
        expect(finalPanes(batch)).toEqual(expected);
        expect(batch.every((p) => p.pane.timing === 'ON_TIME' && p.pane.isLast && p.pane.isFirst)).toBe(true);

        const shuffled = elements.map((e, i) => ({ e, k: order[i] ?? i })).sort((a, b) => a.k - b.k).map((x) => x.e);
        for (const input of [elements, shuffled]) {
          let state = initialPartitionState<number[]>();
          const panes: Pane<number[]>[] = [];
          for (const bundle of chunks(input, cuts)) {
            const r = processBundle(agg, state, { elements: bundle, watermark: MIN_TIMESTAMP, processingTime: 0 });
            panes.push(...r.panes);
            state = JSON.parse(JSON.stringify(r.state));
          }
          panes.push(...processBundle(agg, state, { elements: [], watermark: Number.POSITIVE_INFINITY, processingTime: 0 }).panes);
          const sortKey = (p: Pane<number[]>): string => `${p.key}|${p.window.start}|${p.window.end}`;
          expect([...panes].sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual([...batch].sort((a, b) => sortKey(a).localeCompare(sortKey(b))));
        }
      }),
      { numRuns: 60 },
    );
  });

  it.each<[string, TriggerSpec]>([
    ['default', { kind: 'default' }],
    ['early/late', { kind: 'afterWatermark', early: { kind: 'afterCount', count: 2 }, late: { kind: 'afterCount', count: 1 } }],
    ['repeatedly count', { kind: 'repeatedly', trigger: { kind: 'afterCount', count: 3 } }],
  ])('with a moving watermark, late data and the %s trigger, ACCUMULATING final panes still equal the reference', (_name, trigger) => {
    fc.assert(
      fc.property(elementsArb, fc.array(fc.nat(), { maxLength: 10 }), fc.array(fc.integer({ min: 0, max: 30_000 })), (elements, cuts, holdBacks) => {
        const agg = compileAggregation({ ...spec, trigger, allowedLateness: '1d', accumulation: 'ACCUMULATING' }, listFn);
        let state = initialPartitionState<number[]>();
        const panes: Pane<number[]>[] = [];
        let maxSeen = MIN_TIMESTAMP;
        chunks(elements, cuts).forEach((bundle, i) => {
          for (const e of bundle) maxSeen = Math.max(maxSeen, e.timestamp);
          const watermark = maxSeen - (holdBacks[i] ?? 0);
          const r = processBundle(agg, state, { elements: bundle, watermark, processingTime: i });
          expect(r.late).toEqual([]);
          panes.push(...r.panes);
          state = JSON.parse(JSON.stringify(r.state));
        });
        panes.push(...processBundle(agg, state, { elements: [], watermark: Number.POSITIVE_INFINITY, processingTime: 1e6 }).panes);
        const finals = finalPanes(panes);
        const expected = reference(window, elements);
        for (const [id, values] of expected) expect(finals.get(id)).toEqual(values);
        // Pane ids are unique and pane indices per window are 0, 1, 2, …
        expect(new Set(panes.map((p) => p.paneId)).size).toBe(panes.length);
        const byWindow = new Map<string, number[]>();
        for (const p of panes) byWindow.set(`${p.key}|${p.window.start}|${p.window.end}`, [...(byWindow.get(`${p.key}|${p.window.start}|${p.window.end}`) ?? []), p.pane.index]);
        if (window.kind !== 'sessions') for (const idx of byWindow.values()) expect(idx).toEqual(idx.map((_, i) => i));
      }),
      { numRuns: 60 },
    );
  });
});
