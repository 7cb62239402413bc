/**
 * `sluice status`: what the pipeline is doing, from the resources the topology names.
 *
 * - Subscriptions: how each delivers (push endpoint or pull) and its backlog. On a deployed
 *   project the backlog comes from Cloud Monitoring (`backlog.ts`); the Pub/Sub emulator has no
 *   metrics and counting by pulling would change delivery, so locally it is "n/a (emulator)".
 * - Warehouse: events (rows, distinct ids), dead letters by stage and reason, late records and
 *   panes per aggregation — queries with the bytes-billed cap.
 * - Aggregator: per aggregation the watermark (as the next tick computes it) and its lag, partition
 *   documents, earliest timers, outbox size — from the partition documents' summary fields
 *   (`aggregator-state.ts`).
 */
import { FirestoreStateStore } from '../shared/adapters/firestore-state-store';
import { readAggregatorState, type AggregationState } from './aggregator-state';
import { readBacklog, type Backlog } from './backlog';
import type { Topology } from '../shared/topology';
import { formatTable, runQuery } from './query';
import type { Target } from './target';

export interface SubscriptionStatus {
  name: string;
  /** Stage it pushes to, or `operator` for the terminal hold. */
  stage: string;
  delivery: string;
  /** Undelivered messages (Cloud Monitoring's newest sample). */
  backlog?: number;
  /** Age of the oldest unacknowledged message, seconds. */
  oldestUnackedAgeS?: number;
  note?: string;
}

export interface StatusReport {
  pipeline: string;
  target: 'local' | 'cloud';
  project: string;
  dataset: string;
  subscriptions: SubscriptionStatus[];
  events?: { rows: number; distinct: number };
  deadLetters: Array<{ stage: string; reason: string; count: number }>;
  late: Array<{ aggregation: string; count: number }>;
  panes: Array<{ aggregation: string; rows: number }>;
  /** What could not be read, and why (e.g. a table the bootstrap has not created). */
  problems: string[];
  /** The window aggregator's state per aggregation (empty when it could not be read: see problems). */
  aggregations: AggregationState[];
  /** Processing time the report was taken at (epoch ms). */
  at: number;
}

const fq = (t: Topology, name: string): string => `\`${t.project}.${t.dataset.id}.${name}\``;

export async function collectStatus(target: Target, o: { maxBytes: number; now?: number }): Promise<StatusReport> {
  const now = o.now ?? Date.now();
  const t = target.topology;
  const problems: string[] = [];
  const subscriptions: SubscriptionStatus[] = [];
  for (const s of t.subscriptions) {
    const stage = s.delivery.kind === 'push' ? s.delivery.stage : 'operator';
    try {
      const [m] = await target.clients.pubsub.subscription(s.name).getMetadata();
      const endpoint = m.pushConfig?.pushEndpoint;
      subscriptions.push({
        name: s.name,
        stage,
        delivery: endpoint ? `push ${endpoint}` : 'pull',
        ...(target.kind === 'local' ? { note: 'n/a (emulator)' } : {}),
      });
    } catch (err) {
      subscriptions.push({ name: s.name, stage, delivery: 'missing' });
      problems.push(`subscription ${s.name}: ${firstLine(err)}`);
    }
  }

  if (target.kind === 'cloud') {
    let backlog = new Map<string, Backlog>();
    try {
      const client = await target.clients.pubsub.auth.getClient();
      backlog = await readBacklog(async (url) => (await client.request({ url })).data, t.project, subscriptions.map((x) => x.name), now);
    } catch (err) {
      problems.push(`backlog (Cloud Monitoring): ${firstLine(err)}`);
    }
    for (const sub of subscriptions) {
      const b = backlog.get(sub.name);
      if (b?.undelivered !== undefined) sub.backlog = b.undelivered;
      if (b?.oldestUnackedAgeS !== undefined) sub.oldestUnackedAgeS = b.oldestUnackedAgeS;
      if (!b && sub.delivery !== 'missing') sub.note = 'no recent sample';
    }
  }

  const query = async (what: string, sql: string): Promise<Array<Record<string, unknown>> | undefined> => {
    try {
      return (await runQuery(target.clients.bigquery, sql, { maxBytes: o.maxBytes })).rows;
    } catch (err) {
      problems.push(`${what}: ${firstLine(err)}`);
      return undefined;
    }
  };
  const n = (v: unknown): number => Number((v as { value?: unknown } | null)?.value ?? v ?? 0);

  const ev = await query('events', `SELECT COUNT(*) AS rows_n, COUNT(DISTINCT event_id) AS distinct_n FROM ${fq(t, 'events')}`);
  const events = ev?.[0] ? { rows: n(ev[0].rows_n), distinct: n(ev[0].distinct_n) } : undefined;
  const dl = await query('dead letters', `SELECT stage, reason, COUNT(*) AS n FROM ${fq(t, 'dead_letter')} GROUP BY stage, reason ORDER BY n DESC, stage, reason`);
  const late = await query('late data', `SELECT aggregation, COUNT(*) AS n FROM ${fq(t, 'late_data')} GROUP BY aggregation ORDER BY aggregation`);
  const panes: StatusReport['panes'] = [];
  for (const table of t.dataset.tables.filter((x) => x.role === 'panes')) {
    const rows = await query(`panes of ${table.aggregation}`, `SELECT COUNT(*) AS n FROM ${fq(t, table.name)}`);
    if (rows?.[0]) panes.push({ aggregation: table.aggregation ?? table.name, rows: n(rows[0].n) });
  }
  let aggregations: AggregationState[] = [];
  try {
    aggregations = await readAggregatorState(new FirestoreStateStore(target.clients.firestore, { timestampFields: ['expireAt'] }), t, target.pipeline, now);
  } catch (err) {
    problems.push(`aggregator state: ${firstLine(err)}`);
  }
  return {
    pipeline: t.pipeline,
    target: target.kind,
    project: t.project,
    dataset: t.dataset.id,
    subscriptions,
    ...(events ? { events } : {}),
    deadLetters: (dl ?? []).map((r) => ({ stage: String(r.stage), reason: String(r.reason), count: n(r.n) })),
    late: (late ?? []).map((r) => ({ aggregation: String(r.aggregation), count: n(r.n) })),
    panes,
    problems,
    aggregations,
    at: now,
  };
}

/** The report as text. */
export function renderStatus(r: StatusReport): string {
  const out: string[] = [];
  out.push(`pipeline ${r.pipeline} — ${r.target} (project ${r.project}, dataset ${r.dataset})`, '');
  out.push('subscriptions');
  out.push(formatTable(r.subscriptions.map((s) => ({ subscription: s.name, stage: s.stage, delivery: s.delivery, backlog: s.backlog ?? s.note ?? '', 'oldest unacked': s.oldestUnackedAgeS === undefined ? '' : formatLag(s.oldestUnackedAgeS * 1000) })), 80), '');
  out.push('warehouse');
  out.push(r.events ? `  events: ${r.events.rows} rows, ${r.events.distinct} distinct event ids (${r.events.rows - r.events.distinct} duplicate rows)` : '  events: unavailable');
  const dlTotal = r.deadLetters.reduce((s, x) => s + x.count, 0);
  out.push(`  dead letters: ${dlTotal}`);
  for (const d of r.deadLetters) out.push(`    ${d.stage} ${d.reason}: ${d.count}`);
  out.push(`  late records: ${r.late.reduce((s, x) => s + x.count, 0)}${r.late.length ? ` (${r.late.map((l) => `${l.aggregation} ${l.count}`).join(', ')})` : ''}`);
  for (const p of r.panes) out.push(`  panes ${p.aggregation}: ${p.rows} rows`);
  out.push('', `aggregations (at ${isoOrDash(r.at)})`);
  out.push(formatTable(r.aggregations.map((a) => aggregationRow(a, r)), 60));
  if (r.problems.length) out.push('', 'problems', ...r.problems.map((p) => `  ${p}`));
  return out.join('\n');
}

/** ISO time or `—`. */
export function isoOrDash(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString();
}

/** A duration as `1h02m03s` / `4.2s` / `−3s` (negative: the watermark is ahead of the clock). */
export function formatLag(ms: number | null): string {
  if (ms === null) return '—';
  const sign = ms < 0 ? '−' : '';
  let rest = Math.abs(ms);
  if (rest < 60_000) return `${sign}${(rest / 1000).toFixed(1)}s`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  const s = Math.floor((rest - m * 60_000) / 1000);
  return `${sign}${h ? `${h}h` : ''}${h ? String(m).padStart(2, '0') : m}m${String(s).padStart(2, '0')}s`;
}

function aggregationRow(a: AggregationState, r: StatusReport): Record<string, unknown> {
  return {
    aggregation: a.aggregation,
    partitions: `${a.partitionDocs}/${a.partitions}`,
    watermark: isoOrDash(a.watermark),
    lag: formatLag(a.watermarkLagMs),
    'next timer': isoOrDash(a.earliestEventTimer),
    outbox: a.outbox,
    applied: a.recordsApplied,
    late: r.late.find((l) => l.aggregation === a.aggregation)?.count ?? 0,
    panes: r.panes.find((p) => p.aggregation === a.aggregation)?.rows ?? '—',
  };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
}
