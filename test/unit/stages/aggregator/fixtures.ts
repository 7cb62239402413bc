/** Shared by the aggregator's unit and emulator tests: a test pipeline, input, bundling, references. */
import { compileAggregation, runBatch, type Element } from '../../../../shared/core/engine';
import { partitionOf } from '../../../../shared/core/hash';
import type { TriggerSpec, WindowSpec } from '../../../../shared/core/spec';
import { KeyedBundleBuilder, type KeyedRecord } from '../../../../shared/messages';
import { definePipeline, type AnyPipeline } from '../../../../shared/pipeline';

export interface TestAggregation {
  window: WindowSpec;
  trigger: TriggerSpec;
  allowedLateness: string;
  accumulation: 'ACCUMULATING' | 'DISCARDING';
  partitions: number;
}

export const AGG = 'totals';

/** A pipeline with one aggregation `totals` keyed by `user`: count `n` and integer sum `total` of `amount`. */
export function testPipeline(name: string, agg: TestAggregation, watermark = { maxOutOfOrderness: '10m', idleTimeout: '1m' }): AnyPipeline {
  return definePipeline({
    name,
    source: {
      formats: ['json'],
      eventId: { from: 'field', path: 'id' },
      eventTime: { from: 'field', path: 'ts', format: 'epochMs' },
    },
    schema: {
      type: 'object',
      properties: { id: { type: 'string' }, ts: { type: 'integer' }, user: { type: 'string' }, amount: { type: 'integer' } },
    },
    watermark,
    aggregations: [
      {
        name: AGG,
        keyFields: ['user'],
        measures: [
          { name: 'n', kind: 'count' },
          { name: 'total', kind: 'sum', field: 'amount' },
        ],
        ...agg,
      },
    ],
    retention: { rawArchive: {} },
  }) as AnyPipeline;
}

/** A small deterministic PRNG (mulberry32), so shuffles and inputs are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/** `count` records over `keys` users, event times in `[t0, t0 + spanMs)`, roughly increasing. */
export function makeRecords(count: number, keys: number, t0: number, spanMs: number, seed = 1, idPrefix = 'e'): KeyedRecord[] {
  const rand = prng(seed);
  const out: KeyedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const jitter = Math.floor(rand() * 2000);
    const eventTime = t0 + Math.floor((i * spanMs) / count) + jitter - 1000;
    out.push({ eventId: `${idPrefix}${i}`, key: `u${Math.floor(rand() * keys)}`, eventTime: Math.max(t0, eventTime), value: { amount: 1 + Math.floor(rand() * 100) } });
  }
  return out;
}

/** Bundles records as transform does: per partition, in arrival order, up to `perBundle` records. */
export function bundlesOf(pipeline: string, records: readonly KeyedRecord[], partitions: number, perBundle: number): string[] {
  const builders = new Map<number, KeyedBundleBuilder>();
  const out: string[] = [];
  for (const r of records) {
    const p = partitionOf(r.key, partitions);
    let b = builders.get(p);
    if (!b) {
      b = new KeyedBundleBuilder(pipeline, AGG, p, { maxRecords: perBundle });
      builders.set(p, b);
    }
    if (!b.add(r).added) {
      out.push(b.flush()!.data);
      b.add(r);
    }
  }
  for (const b of builders.values()) {
    const f = b.flush();
    if (f) out.push(f.data);
  }
  return out;
}

/** A Pub/Sub push CloudEvent carrying `data`. */
/** A push delivery as functions-framework hands it over, pushed by a subscription of `topic`. */
export function cloudEvent(data: string | Buffer, topic: string): { source: string; data: { message: { data: string; attributes: Record<string, string> } } } {
  return { source: `//pubsub.googleapis.com/projects/sluice-test/topics/${topic}`, data: { message: { data: Buffer.from(data).toString('base64'), attributes: {} } } };
}

export interface Result {
  n: number;
  total: number;
}

/** `key|start|end` */
export const windowId = (key: string, start: number, end: number): string => `${key}|${start}|${end}`;

/**
 * The naive reference: a plain loop over unique records (first occurrence of each id), windows by
 * hand. Fixed: `[t − t mod size, +size)`; sliding: every `[s, s + size)` with `s ≡ 0 mod period`
 * containing t; sessions: sort per key and extend while the next event is before the end.
 */
export function naiveReference(records: readonly KeyedRecord[], window: { kind: 'fixed' | 'sliding' | 'sessions'; sizeMs?: number; periodMs?: number; gapMs?: number }): Map<string, Result> {
  const seen = new Set<string>();
  const unique = records.filter((r) => (seen.has(r.eventId) ? false : (seen.add(r.eventId), true)));
  const out = new Map<string, Result>();
  const add = (id: string, amount: number) => {
    const cur = out.get(id) ?? { n: 0, total: 0 };
    cur.n += 1;
    cur.total += amount;
    out.set(id, cur);
  };
  if (window.kind === 'fixed') {
    const size = window.sizeMs!;
    for (const r of unique) {
      const start = r.eventTime - (((r.eventTime % size) + size) % size);
      add(windowId(r.key, start, start + size), r.value.amount as number);
    }
  } else if (window.kind === 'sliding') {
    const size = window.sizeMs!;
    const period = window.periodMs!;
    for (const r of unique) {
      const last = r.eventTime - (((r.eventTime % period) + period) % period);
      for (let s = last; s > r.eventTime - size; s -= period) add(windowId(r.key, s, s + size), r.value.amount as number);
    }
  } else {
    const gap = window.gapMs!;
    const byKey = new Map<string, KeyedRecord[]>();
    for (const r of unique) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    for (const [key, rs] of byKey) {
      rs.sort((a, b) => a.eventTime - b.eventTime);
      let start = 0;
      let end = Number.NEGATIVE_INFINITY;
      let acc: Result = { n: 0, total: 0 };
      const flush = () => {
        if (acc.n > 0) out.set(windowId(key, start, end), acc);
      };
      for (const r of rs) {
        if (r.eventTime < end) end = Math.max(end, r.eventTime + gap);
        else {
          flush();
          start = r.eventTime;
          end = r.eventTime + gap;
          acc = { n: 0, total: 0 };
        }
        acc.n += 1;
        acc.total += r.value.amount as number;
      }
      flush();
    }
  }
  return out;
}

/** The core's batch runner over the same unique records: `key|start|end` → output. */
export function batchReference(pipeline: AnyPipeline, records: readonly KeyedRecord[]): Map<string, Result> {
  const compiled = compileAggregation(pipeline.aggregations[0]!);
  const seen = new Set<string>();
  const elements: Element<Record<string, unknown>>[] = records
    .filter((r) => (seen.has(r.eventId) ? false : (seen.add(r.eventId), true)))
    .map((r) => ({ key: r.key, timestamp: r.eventTime, value: r.value, id: r.eventId }));
  const out = new Map<string, Result>();
  for (const p of runBatch(compiled, elements).panes) {
    const o = p.output as { n: number; total: number };
    out.set(windowId(p.key, p.window.start, p.window.end), { n: o.n, total: o.total });
  }
  return out;
}

export interface PaneRowLike {
  pane_id: string;
  key: string;
  window_start: string | null;
  window_end: string | null;
  pane_index: number;
  pane_timing: string;
  n: number;
  total: number | null;
}

/**
 * The latest pane per window, as the topology's view computes it: dedupe by pane id, highest
 * pane_index per (key, window); for sessions, windows contained in a larger one of the same key are
 * left out. Throws if two rows with one pane id differ (a pane id must name one pane).
 */
export function latestPanes(rows: readonly PaneRowLike[], sessions: boolean): Map<string, Result & { timing: string }> {
  const byId = new Map<string, PaneRowLike>();
  for (const r of rows) {
    const prev = byId.get(r.pane_id);
    if (prev && JSON.stringify(prev) !== JSON.stringify(r)) throw new Error(`pane ${r.pane_id} inserted with different contents`);
    byId.set(r.pane_id, r);
  }
  const latest = new Map<string, PaneRowLike>();
  for (const r of byId.values()) {
    const id = windowId(r.key, Date.parse(r.window_start!), Date.parse(r.window_end!));
    const cur = latest.get(id);
    if (!cur || r.pane_index > cur.pane_index) latest.set(id, r);
  }
  const out = new Map<string, Result & { timing: string }>();
  const all = [...latest.entries()];
  for (const [id, r] of all) {
    if (sessions) {
      const s = Date.parse(r.window_start!);
      const e = Date.parse(r.window_end!);
      const covered = all.some(([, m]) => {
        if (m.key !== r.key) return false;
        const ms = Date.parse(m.window_start!);
        const me = Date.parse(m.window_end!);
        return ms <= s && me >= e && (ms < s || me > e);
      });
      if (covered) continue;
    }
    out.set(id, { n: Number(r.n), total: Number(r.total ?? 0), timing: r.pane_timing });
  }
  return out;
}

/** Differences between two result maps, for readable assertion failures. */
export function diffResults(actual: Map<string, Result>, expected: Map<string, Result>): string[] {
  const problems: string[] = [];
  for (const [id, e] of expected) {
    const a = actual.get(id);
    if (!a) problems.push(`missing ${id}`);
    else if (a.n !== e.n || a.total !== e.total) problems.push(`${id}: got n=${a.n} total=${a.total}, want n=${e.n} total=${e.total}`);
  }
  for (const id of actual.keys()) if (!expected.has(id)) problems.push(`unexpected ${id}`);
  return problems;
}
