/**
 * `npm run demo`: the whole pipeline on this machine in one command. Brings up the dev stack
 * (reusing running emulators), streams a realistic generated event stream for an example pipeline
 * as NDJSON producer batches to the raw topic, waits until the pipeline has finished with it, prints
 * the windowed results from the BigQuery emulator plus counts, and compares the results with a naive
 * reference computed from the same generated input by a plain loop.
 *
 * Every run uses its own resource prefix (`demo<base36 time>`), so results never mix with an earlier
 * run's on the long-lived emulators.
 *
 * Completion: the stream is done when (1) the warehouse holds every clean event and every
 * dead letter the input implies, (2) every partition document of every aggregation has a watermark
 * past the end of the last window the input touches, and (3) the pane count did not change between
 * two polls 2 s apart. (An outbox left in a partition document is not waited for: the aggregator
 * inserts it before acking and only confirms it with the next transaction or the tick's grace
 * period; a crash between would re-insert it under the same insert id.) The watermark's idle advance runs in processing time (it starts
 * `idleTimeout` after the last event), so event times are generated ending at "now" and the last
 * windows close about `idleTimeout + maxOutOfOrderness + window size` after the stream ends.
 */
import { getPipeline } from '../pipelines';
import { generateEvents } from '../pipelines/generators';
import type { GeneratedEvent } from '../pipelines/generators';
import { messagesFromEvents, publishMessages } from '../cli/publish';
import { formatTable, runQuery } from '../cli/query';
import { PubSubPublisher } from '../shared/adapters';
import { parseDuration } from '../shared/core/duration';
import type { DurationInput } from '../shared/core/spec';
import { extractEventId, type AnyPipeline } from '../shared/pipeline';
import type { Topology } from '../shared/topology';
import { countLines, type DemoCounts } from './demo-summary';
import { startDevStack, type DevStack } from './dev';

export interface DemoOptions {
  pipeline: string;
  /** Events to generate (default 2,000). */
  count: number;
  seed: number;
  /** Events per producer message (NDJSON; 1 = single-event JSON messages). */
  batch: number;
  /** Rows of the result table to print. */
  rows: number;
  /**
   * Give up waiting for completion after this long (ms). Default: 3 minutes plus the time the
   * watermark's idle advance needs to pass the last window (idle timeout + out-of-orderness +
   * the largest window size): ~6 minutes for iot-sensors, ~14 for clickstream (5-minute idle
   * timeout, 5-minute sliding windows).
   */
  timeoutMs?: number;
  tickIntervalMs: number;
  /** Progress and results go here (default stdout). */
  print: (line: string) => void;
  /** Stage output (default: dropped). */
  onStageLine?: (source: string, line: string) => void;
}

export interface WindowResult {
  key: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  /** Numeric measures by name (count, sum, mean, min, max). */
  measures: Record<string, number | null>;
}

export interface DemoResult extends DemoCounts {
  pipeline: string;
  prefix: string;
  /** Rows of `dead_letter`. */
  deadLettered: number;
  /** Sum of the count measure over the latest pane per window (first aggregation with a count). */
  recordsCounted: number;
  /** Per aggregation: does the latest pane per window equal the naive reference? */
  match: boolean;
  mismatches: string[];
  elapsedMs: number;
}

const DEFAULTS: Omit<DemoOptions, 'print'> = { pipeline: 'iot-sensors', count: 2_000, seed: 7, batch: 100, rows: 15, tickIntervalMs: 2_000 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const num = (v: unknown): number => Number((v as { value?: unknown } | null)?.value ?? v ?? 0);
const ms = (v: unknown): number => {
  const x = (v as { value?: unknown } | null)?.value ?? v;
  return typeof x === 'string' ? Date.parse(x) : Number(x);
};

/** Value of a dotted field path in a record. */
function fieldOf(record: Record<string, unknown>, path: string): unknown {
  let cur: unknown = record;
  for (const p of path.split('.')) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

/**
 * The naive reference of one fixed- or sliding-window aggregation: a plain loop over the unique
 * clean events (first occurrence of each event id), minus the records the pipeline reported as too
 * late (`excluded`: generator event ids, or `<event id>|<window start ms>` for one window only). Only exact measures (count, sum, mean, min, max) are computed.
 */
export function naiveFixedWindows(p: AnyPipeline, aggregation: string, events: readonly GeneratedEvent[], excluded: ReadonlySet<string>): Map<string, WindowResult> {
  const a = p.aggregations.find((x) => x.name === aggregation);
  if (!a) throw new Error(`no aggregation ${aggregation} in ${p.name}`);
  const w = a.window;
  if (w.kind !== 'fixed' && w.kind !== 'sliding') throw new Error(`naive reference covers fixed and sliding windows; ${aggregation} has ${w.kind}`);
  const sizeMs = parseDuration(w.size, 'size');
  const periodMs = w.kind === 'sliding' ? parseDuration(w.period, 'period') : sizeMs;
  const offsetMs = w.offset !== undefined ? parseDuration(w.offset, 'offset') : 0;
  const acc = new Map<string, { key: string; start: number; n: number; sums: Record<string, { s: number; n: number; min: number; max: number }> }>();
  const seen = new Set<string>();
  for (const e of cleanEvents(events)) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    if (excluded.has(e.eventId)) continue;
    const key = a.keyFields.map((k) => String(fieldOf(e.record!, k))).join('\u0000');
    const t = e.eventTimeMs;
    const lastStart = t - ((((t - offsetMs) % periodMs) + periodMs) % periodMs);
    for (let start = lastStart; start > t - sizeMs; start -= periodMs) {
      if (excluded.has(`${e.eventId}|${start}`)) continue;
      const id = `${key}|${start}`;
      let x = acc.get(id);
      if (!x) acc.set(id, (x = { key, start, n: 0, sums: {} }));
      x.n += 1;
      for (const field of new Set(a.measures.map((m) => ('field' in m ? m.field : undefined)))) {
        if (!field) continue;
        const v = fieldOf(e.record!, field);
        if (typeof v !== 'number') continue;
        const s = (x.sums[field] ??= { s: 0, n: 0, min: Infinity, max: -Infinity });
        s.s += v;
        s.n += 1;
        s.min = Math.min(s.min, v);
        s.max = Math.max(s.max, v);
      }
    }
  }
  const out = new Map<string, WindowResult>();
  for (const [id, x] of acc) {
    const measures: Record<string, number | null> = {};
    for (const m of a.measures) {
      const s = 'field' in m && m.field ? x.sums[m.field] : undefined;
      if (m.kind === 'count') measures[m.name] = x.n;
      else if (m.kind === 'sum') measures[m.name] = s ? s.s : 0;
      else if (m.kind === 'mean') measures[m.name] = s && s.n > 0 ? s.s / s.n : null;
      else if (m.kind === 'min') measures[m.name] = s && s.n > 0 ? s.min : null;
      else if (m.kind === 'max') measures[m.name] = s && s.n > 0 ? s.max : null;
    }
    out.set(id, { key: x.key, windowStart: x.start, windowEnd: x.start + sizeMs, count: x.n, measures });
  }
  return out;
}

/**
 * Event ids the pipeline reported too late that the generator did not make late: a record reported
 * late must be a late event — its first occurrence (a duplicate re-sends the original, late or not).
 */
export function reportedLateButOnTime(events: readonly GeneratedEvent[], lateIds: readonly string[]): string[] {
  const first = new Map<string, GeneratedEvent>();
  for (const e of events) if (!first.has(e.eventId)) first.set(e.eventId, e);
  return lateIds.filter((id) => first.get(id)?.kind !== 'late');
}

/** Events that pass the pipeline (valid, late, duplicates), in stream order. */
function cleanEvents(events: readonly GeneratedEvent[]): GeneratedEvent[] {
  return events.filter((e) => e.kind !== 'invalid' && e.record !== undefined);
}

const fq = (t: Topology, name: string): string => `\`${t.project}.${t.dataset.id}.${name}\``;

/** Compares pipeline rows with the reference; returns human-readable differences (at most 10 listed). */
export function compareWindows(got: Map<string, WindowResult>, want: Map<string, WindowResult>): string[] {
  const diffs: string[] = [];
  let more = 0;
  const add = (d: string): void => {
    if (diffs.length < 10) diffs.push(d);
    else more += 1;
  };
  for (const [id, w] of want) {
    const g = got.get(id);
    if (!g) {
      add(`missing window ${id} (reference count ${w.count})`);
      continue;
    }
    for (const [name, v] of Object.entries(w.measures)) {
      const gv = g.measures[name];
      const same = v === null || gv === null || gv === undefined ? v === (gv ?? null) : Math.abs(v - gv) <= 1e-9 * Math.max(1, Math.abs(v));
      if (!same) add(`window ${id}: ${name} = ${gv} but the reference says ${v}`);
    }
  }
  for (const [id, g] of got) if (!want.has(id)) add(`extra window ${id} (count ${g.count}) not in the reference`);
  if (more) diffs.push(`… and ${more} more`);
  return diffs;
}

/** Latest pane per window of one aggregation, from its view. */
export async function latestPanes(stack: DevStack, p: AnyPipeline, aggregation: string): Promise<Map<string, WindowResult>> {
  const a = p.aggregations.find((x) => x.name === aggregation)!;
  const { rows } = await runQuery(stack.clients.bigquery, `SELECT * FROM ${fq(stack.topology, aggregation)}`, { maxBytes: 1e12 });
  const out = new Map<string, WindowResult>();
  for (const r of rows) {
    const key = String(r.key);
    const start = ms(r.window_start);
    const measures: Record<string, number | null> = {};
    for (const m of a.measures) if (['count', 'sum', 'mean', 'min', 'max'].includes(m.kind)) measures[m.name] = r[m.name] === null || r[m.name] === undefined ? null : num(r[m.name]);
    const count = a.measures.find((m) => m.kind === 'count');
    out.set(`${key}|${start}`, { key, windowStart: start, windowEnd: ms(r.window_end), count: count ? num(r[count.name]) : 0, measures });
  }
  return out;
}

interface Progress {
  eventsRows: number;
  distinctEventIds: number;
  deadLettered: number;
  panes: number;
  partitionsDone: boolean;
  minWatermark: number;
}

async function progress(stack: DevStack, p: AnyPipeline, lastWindowEnd: Map<string, number>): Promise<Progress> {
  const t = stack.topology;
  const q = async (sql: string): Promise<Array<Record<string, unknown>>> => (await runQuery(stack.clients.bigquery, sql, { maxBytes: 1e12 })).rows;
  const [ev] = await q(`SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM ${fq(t, 'events')}`);
  const [dl] = await q(`SELECT COUNT(*) AS n FROM ${fq(t, 'dead_letter')}`);
  let panes = 0;
  for (const a of p.aggregations) panes += num((await q(`SELECT COUNT(*) AS n FROM ${fq(t, `${a.name}_panes`)}`))[0]?.n);
  const snap = await stack.clients.firestore.collection(t.firestore.collections.partitions).get();
  let done = true;
  let minWatermark = Infinity;
  const seen = new Set<string>();
  for (const doc of snap.docs) {
    const d = doc.data();
    const agg = String(d.aggregation);
    seen.add(agg);
    if (d.maxEventTime === null || d.maxEventTime === undefined) continue;
    const wm = num(d.watermark);
    const end = lastWindowEnd.get(agg);
    if (end === undefined) continue;
    minWatermark = Math.min(minWatermark, wm);
    if (wm < end) done = false;
  }
  for (const a of lastWindowEnd.keys()) if (!seen.has(a)) done = false;
  return { eventsRows: num(ev?.n), distinctEventIds: num(ev?.d), deadLettered: num(dl?.n), panes, partitionsDone: done, minWatermark };
}

/**
 * Uploads a stand-in for every GCS side input the pipeline enriches from (e.g. iot-sensors' device
 * catalogue), one row per key the stream uses, where the topology puts it (a `gs://{{reference}}/…`
 * uri lands in the deployment's reference-data bucket), unless the object already exists. Without
 * it transform retries the side input forever (a missing reference file is a transient error).
 */
export async function seedReferenceData(stack: DevStack, p: AnyPipeline, events: readonly GeneratedEvent[]): Promise<void> {
  for (const side of stack.topology.sideInputs) {
    const e = p.enrichment.find((x) => x.name === side.name);
    if (side.kind !== 'gcs' || e?.source.kind !== 'gcs') continue;
    const bucket = stack.clients.storage.bucket(side.bucket!);
    const [exists] = await bucket.exists();
    if (!exists) await stack.clients.storage.createBucket(side.bucket!).catch(() => undefined);
    const file = bucket.file(side.object!);
    if ((await file.exists())[0]) continue;
    const values = [...new Set(cleanEvents(events).map((x) => fieldOf(x.record!, e.recordField)).filter((v) => v !== undefined))].sort();
    const rows = values.map((v, i) => ({
      [e.sideField]: v,
      ...Object.fromEntries(Object.entries(e.fields).map(([f, spec]) => [f, spec.type === 'string' ? `${f}-${i % 3}` : i % 5])),
    }));
    const body = e.source.format === 'csv'
      ? [[e.sideField, ...Object.keys(e.fields)].join(','), ...rows.map((r) => Object.values(r).join(','))].join('\n')
      : rows.map((r) => JSON.stringify(r)).join('\n');
    await file.save(`${body}\n`);
  }
}

/** Runs the demo; see the module comment. Stops what it started (the emulators only if it started them). */
export async function runDemo(options: Partial<DemoOptions> = {}): Promise<DemoResult> {
  const o: DemoOptions = { ...DEFAULTS, print: (l) => process.stdout.write(`${l}\n`), ...options };
  const say = o.print;
  const p = getPipeline(o.pipeline, '--pipeline');
  const t0 = Date.now();
  const prefix = `demo${t0.toString(36)}`;
  // Sessions close `gap` after a key's last event: with clickstream's 30-minute gap that is half an
  // hour of idle advance, too long to wait for here, so the demo waits for and checks the fixed and
  // sliding aggregations only and says so.
  const checked = p.aggregations.filter((a) => a.window.kind === 'fixed' || a.window.kind === 'sliding');
  const skipped = p.aggregations.filter((a) => !checked.includes(a));
  if (checked.length === 0) throw new Error(`the demo waits for fixed and sliding windows; ${p.name} has none`);

  // Event times end about now: the watermark follows the stream, then advances by itself once idle.
  // The stream's newest event time lands just before a boundary of the largest checked window (at
  // most one window before now): the last window then closes as soon as the idle advance moves the
  // watermark by `maxOutOfOrderness`, not up to a window later.
  const spacing = 100;
  const maxWindowMs = Math.max(...checked.map((a) => parseDuration((a.window as { size: DurationInput }).size, 'size')));
  const endMs = Math.floor(Date.now() / maxWindowMs) * maxWindowMs - 1;
  const startMs = endMs - (o.count - 1) * spacing;
  const events = generateEvents(p.name, { seed: o.seed, count: o.count, startMs, spacingMs: spacing, duplicateRate: 0.03, lateRate: 0.02, invalidRate: 0.02 });
  const kinds = { valid: 0, duplicate: 0, late: 0, invalid: 0 };
  for (const e of events) kinds[e.kind] += 1;
  const uniqueClean = new Set(cleanEvents(events).map((e) => e.eventId)).size;
  // The id the pipeline derives for each clean event (NDJSON batches carry no per-event attributes).
  const generatorId = new Map<string, string>();
  for (const e of cleanEvents(events)) generatorId.set(extractEventId(p.source.eventId, { record: e.record, attributes: o.batch === 1 ? e.attributes : {} }), e.eventId);
  const ooo = parseDuration(p.watermark?.maxOutOfOrderness ?? 0, 'maxOutOfOrderness');
  const idle = parseDuration(p.watermark?.idleTimeout ?? 0, 'idleTimeout');
  const timeoutMs = o.timeoutMs ?? 180_000 + idle + ooo + maxWindowMs;
  const lastWindowEnd = new Map<string, number>();
  for (const a of checked) {
    const ref = naiveFixedWindows(p, a.name, events, new Set());
    lastWindowEnd.set(a.name, Math.max(...[...ref.values()].map((w) => w.windowEnd)));
  }

  say(`sluice demo — pipeline ${p.name}, run prefix ${prefix}`);
  say('starting the dev stack (emulators, three stages + deadletter as local push endpoints, tick)…');
  const stack = await startDevStack({
    pipeline: p.name,
    prefix,
    tickIntervalMs: o.tickIntervalMs,
    keepStack: false,
    onLine: (source, line) => o.onStageLine?.(source, line),
  });
  try {
    say(`stack up: ${stack.startedStack ? 'started the emulators' : 'reusing the running emulators'}; serving ${stack.served.map((s) => s.stage).join(', ')}`);
    if (stack.failed.length || stack.missing.length) throw new Error(`stages not serving: ${[...stack.failed.map((f) => `${f.stage} (${f.error})`), ...stack.missing].join('; ')}`);
    await seedReferenceData(stack, p, events);
    const publisher = new PubSubPublisher(stack.clients.pubsub);
    const pub = await publishMessages(publisher, stack.topology.topics.raw.name, messagesFromEvents(events, o.batch), { maxInFlight: 50 });
    say(
      `published ${pub.events} events in ${pub.messages} messages (${o.batch === 1 ? 'one JSON event each' : `NDJSON, ${o.batch} per message`}) in ${(pub.elapsedMs / 1000).toFixed(1)} s: ` +
        `${kinds.valid} valid, ${kinds.duplicate} duplicates, ${kinds.late} late, ${kinds.invalid} invalid`,
    );
    say(`waiting for completion: the watermark (${ooo / 1000} s out-of-orderness, idle advance after ${idle / 1000} s) must pass every window…`);
    let last: Progress | undefined;
    let stable = 0;
    let lastSay = 0;
    for (;;) {
      const pr = await progress(stack, p, lastWindowEnd);
      const inputDone = pr.distinctEventIds >= uniqueClean && pr.deadLettered >= kinds.invalid;
      stable = inputDone && pr.partitionsDone && last?.panes === pr.panes ? stable + 1 : 0;
      if (stable >= 2) break;
      last = pr;
      if (Date.now() - lastSay > 15_000) {
        lastSay = Date.now();
        const behind = Math.max(0, Math.max(...lastWindowEnd.values()) - pr.minWatermark);
        say(`  … distinct clean events ${pr.distinctEventIds}/${uniqueClean}, dead letters ${pr.deadLettered}/${kinds.invalid}, panes ${pr.panes}, watermark ${Number.isFinite(behind) ? `${Math.round(behind / 1000)} s short of the last window end` : 'not yet set'}`);
      }
      if (Date.now() - t0 > timeoutMs) throw new Error(`the pipeline did not finish within ${timeoutMs / 1000} s (distinct clean events ${pr.distinctEventIds}/${uniqueClean}, dead letters ${pr.deadLettered}/${kinds.invalid}, partitions done: ${pr.partitionsDone})`);
      await sleep(2_000);
    }

    // Results.
    const t = stack.topology;
    const q = async (sql: string): Promise<Array<Record<string, unknown>>> => (await runQuery(stack.clients.bigquery, sql, { maxBytes: 1e12 })).rows;
    const dl = await q(`SELECT stage, reason, COUNT(*) AS n FROM ${fq(t, 'dead_letter')} GROUP BY stage, reason ORDER BY n DESC, stage, reason`);
    const lateRows = await q(`SELECT aggregation, event_id, window_start FROM ${fq(t, 'late_data')}`);
    const [ev] = await q(`SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM ${fq(t, 'events')}`);
    let panes = 0;
    let latePanes = 0;
    let windows = 0;
    let recordsCounted: number | undefined;
    const mismatches: string[] = [];
    for (const a of checked) {
      const [pc] = await q(`SELECT COUNT(*) AS n, COUNTIF(pane_timing = 'LATE') AS late FROM ${fq(t, `${a.name}_panes`)}`);
      panes += num(pc?.n);
      latePanes += num(pc?.late);
      const got = await latestPanes(stack, p, a.name);
      windows += got.size;
      // late_data names the pipeline's event id and the closed window (a sliding-window record can be
      // too late for one window and on time for the next); map the ids back to the generator's.
      const lateIds = lateRows.filter((r) => r.aggregation === a.name).map((r) => ({ id: generatorId.get(String(r.event_id)) ?? String(r.event_id), start: r.window_start === null || r.window_start === undefined ? undefined : ms(r.window_start) }));
      const excluded = new Set(lateIds.map((l) => (l.start === undefined ? l.id : `${l.id}|${l.start}`)));
      for (const id of reportedLateButOnTime(events, lateIds.map((l) => l.id))) mismatches.push(`${a.name}: ${id} was reported too late but was generated on time`);
      const want = naiveFixedWindows(p, a.name, events, excluded);
      mismatches.push(...compareWindows(got, want).map((d) => `${a.name}: ${d}`));

      const sorted = [...got.values()].sort((x, y) => x.windowStart - y.windowStart || x.key.localeCompare(y.key));
      say('');
      say(`${a.name} — latest pane per window (view ${a.name}), first ${Math.min(o.rows, sorted.length)} of ${sorted.length} windows:`);
      say(
        formatTable(
          sorted.slice(0, o.rows).map((w) => ({
            key: w.key,
            window_start: new Date(w.windowStart).toISOString().slice(11, 19),
            window_end: new Date(w.windowEnd).toISOString().slice(11, 19),
            ...Object.fromEntries(Object.entries(w.measures).map(([k, v]) => [k, v === null ? null : Number.isInteger(v) ? v : v.toFixed(2)])),
          })),
        ),
      );
      const total = [...got.values()].reduce((s, w) => s + w.count, 0);
      if (a.measures.some((m) => m.kind === 'count')) recordsCounted ??= total;
      say(`totals: ${sorted.length} windows, ${total} records counted (reference: ${[...want.values()].reduce((s, w) => s + w.count, 0)})`);
    }
    const byReason: Record<string, number> = {};
    for (const r of dl) byReason[`${String(r.stage)}/${String(r.reason)}`] = num(r.n);
    const deadLettered = Object.values(byReason).reduce((s, n) => s + n, 0);
    const result: DemoResult = {
      pipeline: p.name,
      prefix,
      published: events.length,
      messages: pub.messages,
      eventsRows: num(ev?.n),
      distinctEventIds: num(ev?.d),
      deadLettered,
      deadLetterByReason: byReason,
      lateRecords: lateRows.length,
      latePanes,
      panes,
      windows,
      recordsCounted: recordsCounted ?? 0,
      match: mismatches.length === 0,
      mismatches,
      generated: { ...kinds, uniqueClean },
      elapsedMs: Date.now() - t0,
    };
    for (const a of skipped) say(`\n${a.name}: ${a.window.kind} windows not waited for or checked (they close ${a.window.kind === 'sessions' ? `${String(a.window.gap)} after a key's last event` : 'later'}); see \`npm run sluice -- query\``);
    say('');
    for (const line of countLines(result)) say(line);
    say('');
    for (const m of mismatches) say(`  MISMATCH ${m}`);
    say(`results match reference: ${result.match ? 'yes' : 'no'}`);
    say(`done in ${(result.elapsedMs / 1000).toFixed(0)} s`);
    return result;
  } finally {
    await stack.stop();
  }
}
