/**
 * `npm run bench:core` — windowed combine throughput of the core engine against a hand-written
 * single-loop `Map` aggregation and the Apache Beam TypeScript SDK's direct runner.
 *
 * Workload (the issue's): N events (default 1,000,000), 1,000 keys, timestamps over one hour with
 * ±5 s jitter; fixed 60 s, sliding 60 s every 15 s, sessions 30 s; sum + count + mean per key and
 * window; default trigger. Every measurement runs in a child process: each contender once on its
 * own (its peak RSS), then the engine and the loop interleaved in one process, 5 rounds after a
 * warm-up, medians (the machine is shared, so both must see the same load for a fair ratio).
 * Beam runs once per window kind (a run takes many seconds); it supports fixed and sliding only.
 *
 * Usage: npx tsx bench/core.ts [events] [--no-beam]
 * Prints a table, then one JSON line (the last line):
 * {"bench":"core","events":N,"engineVsLoop":{…},"engineVsBeam":{…}} — ratios of throughputs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileAggregation, initialPartitionState, processBundle, runBatch, type AggregationSpec, type WindowSpec } from '../shared/core';
import { generateEvents, type BenchEvent } from './core-data';

const KEYS = 1_000;
const HERE = dirname(fileURLToPath(import.meta.url));
type Kind = 'fixed' | 'sliding' | 'sessions';
const KINDS: Kind[] = ['fixed', 'sliding', 'sessions'];
const WINDOWS: Record<Kind, WindowSpec> = {
  fixed: { kind: 'fixed', size: '60s' },
  sliding: { kind: 'sliding', size: '60s', period: '15s' },
  sessions: { kind: 'sessions', gap: '30s' },
};

interface Measurement {
  ms: number;
  panes: number;
  /** Sum over panes of the count measure: events × windows per event; a cross-check between contenders. */
  count: number;
  rssMb: number;
}

// ------------------------------------------------------------------ contenders (run in a child)

function benchSpec(kind: Kind): AggregationSpec {
  return {
    name: `bench_${kind}`,
    window: WINDOWS[kind],
    trigger: { kind: 'default' },
    allowedLateness: '0s',
    accumulation: 'DISCARDING',
    measures: [
      { name: 'sum', kind: 'sum', field: 'v' },
      { name: 'count', kind: 'count' },
      { name: 'mean', kind: 'mean', field: 'v' },
    ],
  };
}

function engineRun(kind: Kind, events: BenchEvent[]): { panes: number; count: number } {
  const { panes } = runBatch(compileAggregation(benchSpec(kind)), events);
  let count = 0;
  for (const p of panes) count += p.output.count as number;
  return { panes: panes.length, count };
}

/**
 * The streaming path (not part of the ratios): the same events in bundles of 500 through
 * `processBundle`, one partition holding all keys, the watermark trailing the newest event by
 * 10 s, then a final advance to +∞. This is how the window-aggregator calls the engine.
 */
function engineStreamRun(kind: Kind, events: BenchEvent[]): { panes: number; count: number } {
  const agg = compileAggregation({ ...benchSpec(kind), allowedLateness: '10s' });
  let state = initialPartitionState<unknown[]>();
  let panes = 0;
  let count = 0;
  let maxSeen = Number.NEGATIVE_INFINITY;
  const tally = (ps: readonly { output: Record<string, unknown> }[]): void => {
    panes += ps.length;
    for (const p of ps) count += p.output.count as number;
  };
  for (let i = 0; i < events.length; i += 500) {
    const bundle = events.slice(i, i + 500);
    for (const e of bundle) if (e.timestamp > maxSeen) maxSeen = e.timestamp;
    const r = processBundle(agg, state, { elements: bundle, watermark: maxSeen - 10_000, processingTime: i });
    state = r.state;
    tally(r.panes);
    if (r.late.length > 0) throw new Error('bench input produced late data; the watermark lag is too small');
  }
  tally(processBundle(agg, state, { elements: [], watermark: Number.POSITIVE_INFINITY, processingTime: events.length }).panes);
  return { panes, count };
}

interface LoopRow {
  key: string;
  start: number;
  end: number;
  sum: number;
  count: number;
  mean: number;
}

/** What an engineer would write by hand: one pass, one `Map` keyed by `key|windowStart`. */
function loopRun(kind: Kind, events: BenchEvent[]): { panes: number; count: number } {
  const rows: LoopRow[] = [];
  if (kind === 'sessions') {
    const gap = 30_000;
    const byKey = new Map<string, BenchEvent[]>();
    for (const e of events) {
      let list = byKey.get(e.key);
      if (list === undefined) byKey.set(e.key, (list = []));
      list.push(e);
    }
    for (const [key, list] of byKey) {
      list.sort((a, b) => a.timestamp - b.timestamp);
      let cur: LoopRow | undefined;
      for (const e of list) {
        if (cur !== undefined && e.timestamp < cur.end) {
          cur.end = Math.max(cur.end, e.timestamp + gap);
        } else {
          cur = { key, start: e.timestamp, end: e.timestamp + gap, sum: 0, count: 0, mean: 0 };
          rows.push(cur);
        }
        cur.sum += e.value.v;
        cur.count++;
      }
    }
  } else {
    const size = 60_000;
    const period = kind === 'fixed' ? size : 15_000;
    const acc = new Map<string, LoopRow>();
    for (const e of events) {
      const t = e.timestamp;
      const last = t - (((t % period) + period) % period);
      for (let start = last; start > t - size; start -= period) {
        const id = `${e.key}|${start}`;
        let row = acc.get(id);
        if (row === undefined) acc.set(id, (row = { key: e.key, start, end: start + size, sum: 0, count: 0, mean: 0 }));
        row.sum += e.value.v;
        row.count++;
      }
    }
    for (const row of acc.values()) rows.push(row);
  }
  let count = 0;
  for (const r of rows) {
    r.mean = r.sum / r.count;
    count += r.count;
  }
  return { panes: rows.length, count };
}

type Contender = 'engine' | 'loop' | 'stream';
const RUNS: Record<Contender, (kind: Kind, events: BenchEvent[]) => { panes: number; count: number }> = {
  engine: engineRun,
  loop: loopRun,
  stream: engineStreamRun,
};

function timed(run: () => { panes: number; count: number }): { ms: number; panes: number; count: number } {
  const t0 = process.hrtime.bigint();
  const r = run();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, ...r };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Child modes. `solo <contender>`: one run in a fresh process, for its peak RSS. `pair`: the
 * engine and the loop alternately in one process (after a warm-up of each), 5 rounds, medians —
 * so both see the same machine load (the bench machine is shared) and the ratio is fair.
 */
function child(mode: string, kind: Kind, n: number, contender: Contender): void {
  const events = generateEvents(n, KEYS);
  if (mode === 'solo') {
    const r = timed(() => RUNS[contender](kind, events));
    process.stdout.write(`${JSON.stringify({ ...r, rssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
    return;
  }
  const warm = events.slice(0, Math.min(n, 100_000));
  engineRun(kind, warm);
  loopRun(kind, warm);
  const e: number[] = [];
  const l: number[] = [];
  let check = { engine: { panes: 0, count: 0 }, loop: { panes: 0, count: 0 } };
  for (let i = 0; i < 5; i++) {
    const a = timed(() => engineRun(kind, events));
    const b = timed(() => loopRun(kind, events));
    e.push(a.ms);
    l.push(b.ms);
    check = { engine: a, loop: b };
  }
  process.stdout.write(`${JSON.stringify({ engineMs: median(e), loopMs: median(l), engine: check.engine, loop: check.loop })}\n`);
}

// ------------------------------------------------------------------ orchestration

function spawnJson(cmd: string, args: string[]): Measurement {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Measurement;
}

function ensureBeam(): string {
  const dir = join(HERE, 'beam');
  if (!existsSync(join(dir, 'node_modules', 'apache-beam', 'package.json'))) {
    process.stderr.write('installing apache-beam into bench/beam (isolated, not a project dependency)…\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', dir], { stdio: 'inherit' });
  }
  return join(dir, 'run.cjs');
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    child(args[1] as string, args[2] as Kind, Number(args[3]), args[4] as Contender);
    return;
  }
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const withBeam = !args.includes('--no-beam');
  const beamScript = withBeam ? ensureBeam() : '';
  const self = fileURLToPath(import.meta.url);
  const tsx = ['--import', 'tsx', self];
  const results: Record<string, Partial<Record<Kind, Measurement>>> = { engine: {}, loop: {}, beam: {}, stream: {} };
  for (const kind of KINDS) {
    for (const contender of ['engine', 'loop', 'stream'] as const) {
      results[contender]![kind] = spawnJson(process.execPath, [...tsx, '--child', 'solo', kind, String(n), contender]);
    }
    const pair = spawnJson(process.execPath, [...tsx, '--child', 'pair', kind, String(n)]) as unknown as { engineMs: number; loopMs: number };
    // Times from the interleaved pair run (same load for both); peak RSS from the solo runs.
    results.engine![kind]!.ms = pair.engineMs;
    results.loop![kind]!.ms = pair.loopMs;
    if (withBeam && kind !== 'sessions') {
      results.beam![kind] = spawnJson(process.execPath, [beamScript, kind, String(n), String(KEYS)]);
    }
  }

  const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const lines = [`core bench: ${fmt(n)} events, ${KEYS} keys, one hour ±5 s jitter, sum + count + mean, default trigger`, ''];
  lines.push(`${'window'.padEnd(9)}${'contender'.padEnd(11)}${'ms'.padStart(10)}${'events/s'.padStart(14)}${'panes'.padStart(10)}${'Σcount'.padStart(12)}${'peak RSS MB'.padStart(13)}`);
  for (const kind of KINDS) {
    for (const contender of ['engine', 'loop', 'beam', 'stream']) {
      const m = results[contender]![kind];
      if (m === undefined) continue;
      lines.push(
        `${kind.padEnd(9)}${contender.padEnd(11)}${fmt(m.ms, 1).padStart(10)}${fmt((n / m.ms) * 1000).padStart(14)}${fmt(m.panes).padStart(10)}${fmt(m.count).padStart(12)}${fmt(m.rssMb).padStart(13)}`,
      );
    }
    const e = results.engine![kind];
    const l = results.loop![kind];
    if (e !== undefined && l !== undefined && (e.panes !== l.panes || e.count !== l.count)) {
      lines.push(`  !! ${kind}: engine and loop disagree (panes ${e.panes} vs ${l.panes}, Σcount ${e.count} vs ${l.count})`);
    }
  }
  const ratio = (other: Measurement | undefined, engine: Measurement | undefined): number | null =>
    other === undefined || engine === undefined ? null : Math.round((other.ms / engine.ms) * 100) / 100;
  const summary = {
    bench: 'core',
    events: n,
    engineVsLoop: Object.fromEntries(KINDS.map((k) => [k, ratio(results.loop![k], results.engine![k])])),
    engineVsBeam: Object.fromEntries((['fixed', 'sliding'] as const).map((k) => [k, ratio(results.beam![k], results.engine![k])])),
  };
  lines.push(
    '',
    'engine = runBatch (public API, the backfill path); engine and loop ms are medians of 5 interleaved runs in one process;',
    'stream = processBundle in bundles of 500 with a moving watermark, one run (not in the ratios); beam = one run;',
    'ratios = engine throughput / other throughput (targets: ≥ 0.5 vs loop, ≥ 5 vs Beam)',
  );
  process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(summary)}\n`);
}

main();
