/**
 * The pure parts of the end-to-end benchmark (`bench/e2e.ts`): the list-price cost model over
 * counted operations, and the plain-loop sessions reference. Unit-tested in test/unit/bench.
 */
import { dataflowFloorUsdPerMonth, PRICES, unitPrice } from '../shared/cost';
import type { WindowResult } from '../emulators/demo';
import type { GeneratedEvent } from '../pipelines/generators';

/** Unit prices (USD) the bench prices its counts with: the project's one price table (shared/cost). */
const PRICE = {
  invocation: unitPrice(PRICES.price.runRequests),
  pubsubPerByte: unitPrice(PRICES.price.pubsubThroughput),
  firestoreRead: unitPrice(PRICES.price.firestoreRead),
  firestoreWrite: unitPrice(PRICES.price.firestoreWrite),
  firestoreDelete: unitPrice(PRICES.price.firestoreDelete),
  bqStreamingPerByte: unitPrice(PRICES.price.bqInsertAll),
  gcsClassA: unitPrice(PRICES.price.gcsClassA),
};

/** One n1-standard-2 streaming worker (2 vCPU, 7.5 GB) with Streaming Engine (30 GB disk), 730 h, before data processed. */
export const DATAFLOW_MONTHLY_MIN_USD = dataflowFloorUsdPerMonth();

export interface Ops {
  invocations: number;
  invocationMs: number;
  pubsubMessages: number;
  pubsubBytes: number;
  pubsubBilledBytes: number;
  firestoreReads: number;
  firestoreWrites: number;
  firestoreDeletes: number;
  bqRows: number;
  bqBytes: number;
  bqBilledBytes: number;
  gcsWrites: number;
  firestoreTxnMs: number;
  pubsubPublishMs: number;
  bqInsertMs: number;
  gcsWriteMs: number;
}
export const ZERO: Ops = {
  invocations: 0,
  invocationMs: 0,
  pubsubMessages: 0,
  pubsubBytes: 0,
  pubsubBilledBytes: 0,
  firestoreReads: 0,
  firestoreWrites: 0,
  firestoreDeletes: 0,
  bqRows: 0,
  bqBytes: 0,
  bqBilledBytes: 0,
  gcsWrites: 0,
  firestoreTxnMs: 0,
  pubsubPublishMs: 0,
  bqInsertMs: 0,
  gcsWriteMs: 0,
};

/** What the cost model needs from a run. */
export interface CostInput {
  events: number;
  ops: Ops;
  /** Pub/Sub bytes billed for the producer's own publishes (1 KB minimum per message). */
  producerBilledBytes: number;
}

/** Dollars per million events from a run's counted operations. */
export function usdPerMillion(r: CostInput): { total: number; lines: Array<[string, number]> } {
  const o = r.ops;
  // Every message is billed once at publish and once at delivery (one subscription per topic).
  const pubsubBytes = 2 * (r.producerBilledBytes + o.pubsubBilledBytes);
  const lines: Array<[string, number]> = [
    ['function invocations', o.invocations * PRICE.invocation],
    ['Pub/Sub throughput (publish + delivery, 1 KB min)', pubsubBytes * PRICE.pubsubPerByte],
    ['Firestore reads', o.firestoreReads * PRICE.firestoreRead],
    ['Firestore writes', o.firestoreWrites * PRICE.firestoreWrite],
    ['Firestore deletes', o.firestoreDeletes * PRICE.firestoreDelete],
    ['BigQuery streaming inserts (1 KB/row min)', o.bqBilledBytes * PRICE.bqStreamingPerByte],
    ['BigQuery queries (none in the pipeline path)', 0],
    ['GCS writes (class A)', o.gcsWrites * PRICE.gcsClassA],
  ];
  const scale = 1e6 / r.events;
  const scaled = lines.map(([k, v]): [string, number] => [k, v * scale]);
  return { total: scaled.reduce((s, [, v]) => s + v, 0), lines: scaled };
}

/** Per-key sessions over the unique clean events, minus `excluded`: a plain loop. */
export function naiveSessions(events: readonly GeneratedEvent[], gapMs: number, excluded: ReadonlySet<string>): Map<string, WindowResult> {
  const seen = new Set<string>();
  const byKey = new Map<string, GeneratedEvent[]>();
  for (const e of events) {
    if (e.kind === 'invalid' || !e.record || seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    if (excluded.has(e.eventId)) continue;
    const k = String(e.record.device_id);
    const list = byKey.get(k);
    if (list) list.push(e);
    else byKey.set(k, [e]);
  }
  const out = new Map<string, WindowResult>();
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.eventTimeMs - b.eventTimeMs);
    let cur: { start: number; end: number; n: number; sum: number } | undefined;
    const flush = (): void => {
      if (cur) out.set(`${key}|${cur.start}`, { key, windowStart: cur.start, windowEnd: cur.end, count: cur.n, measures: { readings: cur.n, temperature_sum: cur.sum } });
    };
    for (const e of list) {
      const t = Number(e.record!.temperature_c);
      if (cur && e.eventTimeMs < cur.end) {
        cur.end = Math.max(cur.end, e.eventTimeMs + gapMs);
        cur.n += 1;
        cur.sum += t;
      } else {
        flush();
        cur = { start: e.eventTimeMs, end: e.eventTimeMs + gapMs, n: 1, sum: t };
      }
    }
    flush();
  }
  return out;
}

/**
 * Records lost and duplicated in the latest panes `got` against the reference `want` (by window id;
 * a window the reference lacks counts all its records as duplicated), and the ids of the windows
 * whose count differs.
 */
export function countDifferences(got: ReadonlyMap<string, WindowResult>, want: ReadonlyMap<string, WindowResult>): { lost: number; duplicated: number; differing: string[] } {
  let lost = 0;
  let duplicated = 0;
  const differing: string[] = [];
  for (const [id, w] of want) {
    const g = got.get(id)?.count ?? 0;
    if (g < w.count) lost += w.count - g;
    if (g > w.count) duplicated += g - w.count;
    if (g !== w.count) differing.push(id);
  }
  for (const [id, g] of got) {
    if (want.has(id)) continue;
    duplicated += g.count;
    differing.push(id);
  }
  return { lost, duplicated, differing };
}
