/**
 * End-to-end benchmark (`npm run bench:e2e [-- events singleEvents]`): a generated stream through
 * the full local stack (emulators, every stage in its own process, push subscriptions, tick) for
 * the `bench-e2e` pipeline (fixed 1-minute windows and sessions per device), once as producer
 * batches (NDJSON, 100 events per message) and once as single-event messages.
 *
 * Input: N events (default 50,000) over 1,000 devices, 5% duplicates, 2% late (15–60 s behind, within
 * the 5-minute allowed lateness), 1% invalid. Event times end at the start of publishing.
 *
 * Measured per run:
 * - eventsPerSec: events / (first publish → the whole stack has consumed the stream, checked every
 *   ~2 s): every clean event in `events`, every dead letter in `dead_letter`, and every unique clean
 *   record applied by the window aggregator for each aggregation (the partition documents' running
 *   `recordsApplied` counts). Both parts are printed; the slower one sets the rate.
 * - p50/p99 latency (the JSON line), fixed windows only: from the moment the aggregator's watermark
 *   passed the window's end — the ON_TIME pane's `fired_at`, the processing time of the transaction
 *   that saw it pass — to the first poll (every 500 ms) that saw that pane in BigQuery. Also printed:
 *   the same from the watermark computed over the published input (bounded out-of-orderness over
 *   the acknowledged messages' event times, then its idle advance), which adds the backlog queued
 *   in the stages (the stream is published as fast as Pub/Sub accepts it) and the tick period.
 * - Operation counts: each stage process is started with `bench/op-counter.mjs` preloaded, which
 *   wraps the official clients and reports invocations, Pub/Sub publishes and bytes, Firestore
 *   reads/writes/deletes, BigQuery streaming-insert rows and bytes, GCS writes, and the wall time
 *   each stage spent waiting on each service (where a stage's time goes). (CountingStateStore
 *   cannot wrap a child process; this counts what the real stage code asks of the real clients.)
 * - lost / duplicated: latest pane per window (the views) against a plain-loop reference over the
 *   same generated events, minus records the pipeline reported too late in `late_data`.
 *
 * The single-event pass runs a smaller count by default (2,000): the Pub/Sub emulator pushes with a
 * concurrency of 2, so 50,000 single-event messages would take about 20 minutes here (≈ 42 events/s measured).
 *
 * Starts the emulator stack when it is not running and stops it afterwards (SLUICE_KEEP_STACK=1
 * keeps it). Last line printed: one JSON object.
 */
import { fileURLToPath } from 'node:url';
import { messagesFromEvents } from '../cli/publish';
import { runQuery } from '../cli/query';
import { compareWindows, latestPanes, naiveFixedWindows } from '../emulators/demo';
import { startDevStack, type DevStack } from '../emulators/dev';
import { ensureStack, stopStack } from '../emulators/stack';
import { benchE2e } from '../pipelines';
import { generateEvents, iotSensorsRecords, type RecordFactory } from '../pipelines/generators';
import { PubSubPublisher } from '../shared/adapters';
import { parseDuration } from '../shared/core/duration';
import { countDifferences, DATAFLOW_MONTHLY_MIN_USD, naiveSessions, type Ops, usdPerMillion, ZERO } from './e2e-model';

const EVENTS = Number(process.argv[2] ?? 50_000);
const SINGLE_EVENTS = Number(process.argv[3] ?? 2_000);
const KEYS = 1_000;
const SPACING_MS = 2;
const OP_COUNTER = fileURLToPath(new URL('./op-counter.mjs', import.meta.url));

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const num = (v: unknown): number => Number((v as { value?: unknown } | null)?.value ?? v ?? 0);
const tsMs = (v: unknown): number => {
  const x = (v as { value?: unknown } | null)?.value ?? v;
  return typeof x === 'string' ? Date.parse(x) : Number(x);
};
const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const factory: RecordFactory = { ...iotSensorsRecords, pipeline: benchE2e.name, defaults: { keys: KEYS, spacingMs: SPACING_MS, maxJitterMs: 3_000, lateByMs: [15_000, 60_000] } };

interface RunResult {
  mode: string;
  events: number;
  messages: number;
  publishMs: number;
  throughputMs: number;
  /** First publish → every clean event and dead letter in the warehouse. */
  warehouseMs: number;
  /** First publish → every unique clean record applied by the aggregator, per aggregation. */
  aggregatorMs: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  latencySamples: number;
  /** From the watermark over the published input passing the window end (includes queueing in the stages). */
  inputP50Ms: number;
  inputP99Ms: number;
  ops: Ops;
  opsByStage: Record<string, Ops>;
  producerBilledBytes: number;
  lost: number;
  duplicated: number;
  mismatches: string[];
  windows: number;
}

async function runOnce(mode: 'batched' | 'single', count: number, seed: number): Promise<RunResult> {
  const p = benchE2e;
  const prefix = `e2e${mode[0]}${Date.now().toString(36)}`;
  const ooo = parseDuration(p.watermark!.maxOutOfOrderness, 'ooo');
  const idle = parseDuration(p.watermark!.idleTimeout, 'idle');
  const gapMs = 20_000;
  const opsByStage = new Map<string, Ops>();
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${OP_COUNTER}`.trim();
  const stack: DevStack = await startDevStack({
    pipeline: p.name,
    prefix,
    tickIntervalMs: 1_000,
    keepStack: true,
    onLine: (source, line) => {
      if (line.startsWith('SLUICE_BENCH_OPS ')) opsByStage.set(source, JSON.parse(line.slice(17)) as Ops);
    },
  });
  try {
    if (stack.failed.length || stack.missing.length) throw new Error(`stages not serving: ${stack.failed.map((f) => f.error).join('; ')}`);
    const startMs = Date.now() - (count - 1) * SPACING_MS;
    const events = generateEvents(factory, { seed, count, startMs, duplicateRate: 0.05, lateRate: 0.02, invalidRate: 0.01 });
    const uniqueClean = new Set(events.filter((e) => e.kind !== 'invalid').map((e) => e.eventId)).size;
    const invalid = events.filter((e) => e.kind === 'invalid').length;
    const fixedRef0 = naiveFixedWindows(p, 'device_minute', events, new Set());
    const lastFixedEnd = Math.max(...[...fixedRef0.values()].map((w) => w.windowEnd));
    const lastSessionEnd = Math.max(...[...naiveSessions(events, gapMs, new Set()).values()].map((w) => w.windowEnd));

    // Publish, remembering when each message was accepted and its newest event time.
    const publisher = new PubSubPublisher(stack.clients.pubsub);
    const topic = stack.topology.topics.raw.name;
    const acks: Array<{ at: number; maxEventTime: number }> = [];
    let producerBilledBytes = 0;
    let messages = 0;
    const inFlight = new Set<Promise<void>>();
    const t0 = Date.now();
    let idx = 0;
    const batch = mode === 'batched' ? 100 : 1;
    for (const m of messagesFromEvents(events, batch)) {
      const slice = events.slice(idx, idx + m.events);
      idx += m.events;
      const maxEventTime = Math.max(...slice.map((e) => e.eventTimeMs));
      const bytes = Buffer.byteLength(m.data) + Object.entries(m.attributes).reduce((s, [k, v]) => s + k.length + v.length, 0);
      producerBilledBytes += Math.max(1000, bytes);
      messages += 1;
      const pr: Promise<void> = publisher.publish(topic, [{ data: Buffer.from(m.data, 'utf8'), attributes: m.attributes }]).then(() => {
        acks.push({ at: Date.now(), maxEventTime });
      });
      const tracked = pr.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= 100) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const publishMs = Date.now() - t0;
    log(`  [${mode}] published ${count} events in ${messages} messages in ${(publishMs / 1000).toFixed(1)} s`);

    // The watermark over the published input: when did it pass time T?
    acks.sort((a, b) => a.at - b.at);
    const passes: Array<{ at: number; wm: number }> = [];
    let wm = -Infinity;
    for (const a of acks) {
      if (a.maxEventTime - ooo > wm) {
        wm = a.maxEventTime - ooo;
        passes.push({ at: a.at, wm });
      }
    }
    const lastAck = acks[acks.length - 1]!.at;
    const passedAt = (t: number): number => {
      const hit = passes.find((x) => x.wm >= t);
      return hit ? hit.at : lastAck + idle + (t - wm);
    };

    const fq = (name: string): string => `\`${stack.topology.project}.${stack.topology.dataset.id}.${name}\``;
    const q = async (sql: string): Promise<Array<Record<string, unknown>>> => (await runQuery(stack.clients.bigquery, sql, { maxBytes: 1e12 })).rows;
    const firstSeen = new Map<string, { seen: number; end: number; firedAt: number }>();
    let warehouseMs: number | undefined;
    let aggregatorMs: number | undefined;
    let lastPanes = -1;
    let polls = 0;
    let stable = 0;
    for (;;) {
      const now = Date.now();
      for (const r of await q(`SELECT key, window_start, window_end, fired_at FROM ${fq('device_minute_panes')} WHERE pane_timing = 'ON_TIME'`)) {
        const id = `${String(r.key)}|${tsMs(r.window_start)}`;
        if (!firstSeen.has(id)) firstSeen.set(id, { seen: now, end: tsMs(r.window_end), firedAt: tsMs(r.fired_at) });
      }
      polls += 1;
      if (warehouseMs === undefined && polls % 4 === 0) {
        const [ev] = await q(`SELECT COUNT(DISTINCT event_id) AS d FROM ${fq('events')}`);
        const [dl] = await q(`SELECT COUNT(*) AS n FROM ${fq('dead_letter')}`);
        if (num(ev?.d) >= uniqueClean && num(dl?.n) >= invalid) {
          warehouseMs = Date.now() - t0;
          log(`  [${mode}] all ${uniqueClean} clean events and ${invalid} dead letters in the warehouse after ${(warehouseMs / 1000).toFixed(1)} s`);
        }
      }
      if (polls % 4 !== 0) {
        await sleep(500);
        continue;
      }
      const snap = await stack.clients.firestore.collection(stack.topology.firestore.collections.partitions).get();
      if (aggregatorMs === undefined) {
        const applied = snap.docs.reduce((n, d) => n + num(d.get('recordsApplied')), 0);
        if (applied >= uniqueClean * p.aggregations.length) {
          aggregatorMs = Date.now() - t0;
          log(`  [${mode}] every clean record applied by the aggregator (${p.aggregations.length} aggregations) after ${(aggregatorMs / 1000).toFixed(1)} s`);
        }
      }
      const throughputMs = warehouseMs !== undefined && aggregatorMs !== undefined ? Math.max(warehouseMs, aggregatorMs) : undefined;
      const wmOk = snap.docs.length >= 8 && snap.docs.every((d) => {
        const x = d.data();
        if (x.maxEventTime === null || x.maxEventTime === undefined) return true;
        return num(x.watermark) >= (x.aggregation === 'device_minute' ? lastFixedEnd : lastSessionEnd);
      });
      const [pc] = await q(`SELECT (SELECT COUNT(*) FROM ${fq('device_minute_panes')}) + (SELECT COUNT(*) FROM ${fq('device_sessions_panes')}) AS n`);
      const panes = num(pc?.n);
      stable = throughputMs !== undefined && wmOk && panes === lastPanes ? stable + 1 : 0;
      lastPanes = panes;
      if (stable >= 2) break;
      if (Date.now() - t0 > 3_600_000) throw new Error(`${mode}: not complete after an hour`);
      await sleep(500);
    }
    await sleep(1_500); // let every stage print its final counters
    const latencies = [...firstSeen.values()].map((w) => w.seen - w.firedAt);
    const inputLatencies = [...firstSeen.values()].map((w) => w.seen - passedAt(w.end));

    // Exactness against the reference.
    const lateRows = await q(`SELECT aggregation, event_id FROM ${fq('late_data')}`);
    const excluded = (agg: string): Set<string> => new Set(lateRows.filter((r) => r.aggregation === agg).map((r) => String(r.event_id)));
    let lost = 0;
    let duplicated = 0;
    const mismatches: string[] = [];
    let windows = 0;
    for (const [agg, want] of [
      ['device_minute', naiveFixedWindows(p, 'device_minute', events, excluded('device_minute'))],
      ['device_sessions', naiveSessions(events, gapMs, excluded('device_sessions'))],
    ] as const) {
      const got = await latestPanes(stack, p, agg);
      windows += got.size;
      const d = countDifferences(got, want);
      lost += d.lost;
      duplicated += d.duplicated;
      mismatches.push(...compareWindows(got, want).map((d) => `${agg}: ${d}`));
    }
    const ops = { ...ZERO };
    for (const o of opsByStage.values()) for (const k of Object.keys(ZERO) as Array<keyof Ops>) ops[k] += o[k] ?? 0;
    const tp = Math.max(warehouseMs ?? 0, aggregatorMs ?? 0);
    return {
      mode,
      events: count,
      messages,
      publishMs,
      throughputMs: tp,
      warehouseMs: warehouseMs ?? NaN,
      aggregatorMs: aggregatorMs ?? NaN,
      eventsPerSec: Math.round((count * 1000) / tp),
      p50Ms: Math.round(pct(latencies, 50)),
      p99Ms: Math.round(pct(latencies, 99)),
      latencySamples: latencies.length,
      inputP50Ms: Math.round(pct(inputLatencies, 50)),
      inputP99Ms: Math.round(pct(inputLatencies, 99)),
      ops,
      opsByStage: Object.fromEntries(opsByStage),
      producerBilledBytes,
      lost,
      duplicated,
      mismatches,
      windows,
    };
  } finally {
    await stack.stop();
  }
}

function report(r: RunResult): void {
  const o = r.ops;
  const per1k = (n: number): string => ((n * 1000) / r.events).toFixed(1);
  log(`${r.mode}: ${r.events} events in ${r.messages} messages`);
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  log(`  throughput: ${r.eventsPerSec} events/s (publish ${s(r.publishMs)}; all in the warehouse after ${s(r.warehouseMs)}, all applied by the aggregator after ${s(r.aggregatorMs)})`);
  log(`  latency aggregator watermark passed (pane fired_at) → pane queryable (fixed windows, ${r.latencySamples} ON_TIME panes, 500 ms polls): p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
  log(`  latency watermark over the published input passed → pane queryable (includes backlog in the stages): p50 ${r.inputP50Ms} ms, p99 ${r.inputP99Ms} ms`);
  log(`  invocations ${o.invocations} (${(o.invocationMs / Math.max(1, o.invocations)).toFixed(0)} ms mean), Pub/Sub published ${o.pubsubMessages} msgs / ${o.pubsubBytes} B by stages`);
  log(`  Firestore per 1k events: writes ${per1k(o.firestoreWrites)}, deletes ${per1k(o.firestoreDeletes)}, reads ${per1k(o.firestoreReads)}`);
  for (const [stage, so] of Object.entries(r.opsByStage)) {
    log(`    ${stage.padEnd(11)} invocations ${String(so.invocations).padStart(6)}  Firestore w ${String(so.firestoreWrites).padStart(6)} d ${String(so.firestoreDeletes).padStart(5)} r ${String(so.firestoreReads).padStart(6)}  published ${String(so.pubsubMessages).padStart(6)}  BigQuery rows ${so.bqRows}`);
  }
  log('  time per invocation (mean ms): handler total | waiting on Firestore transactions, Pub/Sub publish, BigQuery inserts, GCS writes');
  for (const [stage, so] of Object.entries(r.opsByStage)) {
    const per = (ms: number): string => (ms / Math.max(1, so.invocations)).toFixed(1).padStart(7);
    log(`    ${stage.padEnd(11)} ${per(so.invocationMs)} | ${per(so.firestoreTxnMs)} ${per(so.pubsubPublishMs)} ${per(so.bqInsertMs)} ${per(so.gcsWriteMs)}`);
  }
  log(`  BigQuery streaming rows ${o.bqRows} (${o.bqBytes} B, billed ${o.bqBilledBytes} B); GCS writes ${o.gcsWrites}`);
  log(`  windows ${r.windows}; lost ${r.lost}, duplicated ${r.duplicated}${r.mismatches.length ? `; mismatches:\n    ${r.mismatches.join('\n    ')}` : ''}`);
  const c = usdPerMillion(r);
  log(`  cost per million events at list prices: $${c.total.toFixed(3)}`);
  for (const [k, v] of c.lines) log(`    ${k.padEnd(52)} $${v.toFixed(4)}`);
}

async function main(): Promise<void> {
  const { started } = await ensureStack({ log });
  if (started) log('started the emulator stack');
  try {
    log(`bench:e2e — pipeline bench-e2e (fixed 1m + sessions 20s gap), ${KEYS} keys, 5% duplicates, 2% late, 1% invalid`);
    const batched = await runOnce('batched', EVENTS, 1);
    report(batched);
    log(`single-event pass on ${SINGLE_EVENTS} events (the emulator pushes with a concurrency of 2; the full ${EVENTS} would take too long here)`);
    const single = await runOnce('single', SINGLE_EVENTS, 2);
    report(single);
    const cost = usdPerMillion(batched).total;
    log(`Dataflow streaming minimum (1 × n1-standard-2 + Streaming Engine disk, 730 h, before data processed): $${DATAFLOW_MONTHLY_MIN_USD.toFixed(0)}/month ≈ ${Math.round(DATAFLOW_MONTHLY_MIN_USD / Math.max(cost, 1e-9))} M events/month at sluice's $${cost.toFixed(3)}/M`);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'e2e',
        events: batched.events,
        eventsPerSec: batched.eventsPerSec,
        p50Ms: batched.p50Ms,
        p99Ms: batched.p99Ms,
        writesPer1k: Math.round(((batched.ops.firestoreWrites + batched.ops.firestoreDeletes) * 1000 * 100) / batched.events) / 100,
        lost: batched.lost + single.lost,
        duplicated: batched.duplicated + single.duplicated,
        usdPerMillion: Math.round(cost * 1000) / 1000,
      })}\n`,
    );
  } finally {
    if (started && !process.env.SLUICE_KEEP_STACK) await stopStack({ log });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
