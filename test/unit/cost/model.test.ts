import { describe, expect, it } from 'vitest';
import {
  PRICES,
  ZERO_FLOWS,
  ZERO_STOCKS,
  crossoverEventsPerSec,
  dataflowFloorUsdPerMonth,
  dataflowMonthlyCost,
  monthlyCost,
  pubsubBillableRequestBytes,
  pubsubMessageBytes,
  scaleToMonth,
  sluiceUsdPerMonthAt,
  type CostReport,
  type Flows,
  type FunctionFlow,
  type MeasuredRun,
  type MonthlyUsage,
  type Stocks,
} from '../../../shared/cost';
import { prng } from '../stages/aggregator/fixtures';

const DAYS_30 = 30 * 86_400; // 2,592,000 s
const GiB = 2 ** 30;

function usd(r: CostReport, service: string, itemStart: string): number {
  const l = r.lines.find((x) => x.service === service && x.item.startsWith(itemStart));
  if (!l) throw new Error(`no line ${service} / ${itemStart}`);
  return l.usd;
}

function fn(name: string, requests: number, billedRequestMs: number, over: Partial<FunctionFlow> = {}): FunctionFlow {
  return { name, vcpu: 1, memoryMiB: 512, concurrency: 1, requests, billedRequestMs, ...over };
}

function usage(flows: Partial<Flows> = {}, stocks: Partial<Stocks> = {}): MonthlyUsage {
  return { flows: { ...ZERO_FLOWS, ...flows }, stocks: { ...ZERO_STOCKS, ...stocks } };
}

/**
 * A run of 1,000 events, one per publish, through ingest → transform → aggregator (concurrency 1,
 * 1 vCPU, 512 MiB):
 * - 3,000 publishes (producer, ingest, transform) and 3,000 push deliveries, each message under
 *   1,000 bytes, so each request bills 1,000 bytes: 3,000,000 bytes each way;
 * - ingest 1,000 × 65 ms → 100 ms; transform 1,000 × 40 ms → 100 ms; aggregator 1,000 × 150 ms →
 *   200 ms: 100,000 + 100,000 + 200,000 = 400,000 billed ms;
 * - Firestore 5,000 writes and 2,000 reads; 500 GCS objects written (class A);
 * - 1,000 BigQuery insertAll rows of under 1 KiB: 1,024,000 billed bytes; 1.5 MB of logs.
 */
const RUN: MeasuredRun = {
  events: 1000,
  flows: {
    ...ZERO_FLOWS,
    functions: [fn('ingest', 1000, 100_000), fn('transform', 1000, 100_000), fn('aggregator', 1000, 200_000)],
    pubsub: { publishRequests: 3000, publishBytes: 3_000_000, deliveryRequests: 3000, deliveryBytes: 3_000_000 },
    firestore: { reads: 2000, writes: 5000, deletes: 0, ttlDeletes: 0 },
    gcs: { classAOps: 500, classBOps: 0 },
    bigquery: { insertAllRows: 1000, insertAllBytes: 1_024_000, storageWriteBytes: 0, queryBytes: 0 },
    loggingBytes: 1_500_000,
  },
};

describe('monthlyCost: hand-worked examples', () => {
  it('10 events/s, one event per publish, for a 30-day month', () => {
    // 10/s × 2,592,000 s = 25,920,000 events = 25,920 × the run
    const month = scaleToMonth(RUN, 10, { monthSeconds: DAYS_30 });
    const r = monthlyCost(month, PRICES, { monthSeconds: DAYS_30 });
    // requests: 3,000 × 25,920 = 77,760,000; − 2,000,000 free = 75,760,000 × $0.40/M = $30.304
    expect(usd(r, 'Cloud Run functions', 'requests')).toBeCloseTo(30.304, 9);
    // CPU: 400,000 ms × 25,920 = 10,368,000 s × 1 vCPU (concurrency 1: no sharing);
    //      − 180,000 free = 10,188,000 × $0.000024 = $244.512
    expect(usd(r, 'Cloud Run functions', 'CPU')).toBeCloseTo(244.512, 6);
    // memory: 10,368,000 s × 0.5 GiB = 5,184,000 GiB-s; − 360,000 = 4,824,000 × $0.0000025 = $12.06
    expect(usd(r, 'Cloud Run functions', 'memory')).toBeCloseTo(12.06, 6);
    // Pub/Sub: (3,000,000 + 3,000,000) × 25,920 = 155,520,000,000 bytes; − 10 GiB (10,737,418,240)
    //          = 144,782,581,760 bytes × $40 / 2^40 = $5.26716
    expect(usd(r, 'Pub/Sub', 'throughput')).toBeCloseTo(5.267159640789, 9);
    // Firestore writes: 5,000 × 25,920 = 129,600,000; − 20,000 × 30 = 600,000; 129,000,000 × $0.09/100k = $116.10
    expect(usd(r, 'Firestore', 'document writes')).toBeCloseTo(116.1, 9);
    // Firestore reads: 2,000 × 25,920 = 51,840,000; − 50,000 × 30 = 1,500,000; 50,340,000 × $0.03/100k = $15.102
    expect(usd(r, 'Firestore', 'document reads')).toBeCloseTo(15.102, 9);
    // GCS class A: 500 × 25,920 = 12,960,000 × $0.005/1,000 = $64.80
    expect(usd(r, 'Cloud Storage', 'class A')).toBeCloseTo(64.8, 9);
    // insertAll: 1,024,000 × 25,920 = 26,542,080,000 bytes / 200 MiB (209,715,200) = 126.5625 × $0.01 = $1.265625
    expect(usd(r, 'BigQuery', 'streaming inserts')).toBeCloseTo(1.265625, 9);
    // Logging: 1,500,000 × 25,920 = 38,880,000,000 bytes < 50 GiB (53,687,091,200) free: $0
    expect(usd(r, 'Cloud Logging', 'log ingestion')).toBe(0);
    // total: 30.304 + 244.512 + 12.06 + 5.26716 + 116.10 + 15.102 + 64.80 + 1.265625 = $489.41078
    expect(r.totalUsd).toBeCloseTo(489.410784640789, 6);
  });

  it('bills nothing at exactly each free-tier boundary and the first unit past it', () => {
    const at = monthlyCost(
      usage(
        {
          // 2,000,000 requests; 180,000 s at 1 vCPU / 2 GiB = 180,000 vCPU-s and 360,000 GiB-s
          functions: [fn('f', 2_000_000, 180_000_000, { memoryMiB: 2048 })],
          // 10 GiB of Pub/Sub throughput: 5 GiB published + 5 GiB delivered, requests ≥ 1,000 bytes
          pubsub: { publishRequests: 1, publishBytes: 5 * GiB, deliveryRequests: 1, deliveryBytes: 5 * GiB },
          // Firestore: 30 × the daily quota
          firestore: { reads: 1_500_000, writes: 600_000, deletes: 600_000, ttlDeletes: 0 },
          // BigQuery: 2 TiB through the Storage Write API, 1 TiB scanned
          bigquery: { insertAllRows: 0, insertAllBytes: 0, storageWriteBytes: 2 * 2 ** 40, queryBytes: 2 ** 40 },
          loggingBytes: 50 * GiB,
          monitoringBytes: 150 * 2 ** 20,
        },
        { firestoreGib: 1, bigqueryActiveGib: 10, schedulerJobs: 3, artifactRegistryGib: 0.5 },
      ),
    );
    expect(at.totalUsd).toBe(0);
    for (const l of at.lines) expect(l.billable).toBe(0);

    // One past the boundary bills exactly one unit
    const past = monthlyCost(usage({ functions: [fn('f', 2_000_001, 0)], firestore: { reads: 0, writes: 600_001, deletes: 0, ttlDeletes: 0 } }));
    expect(usd(past, 'Cloud Run functions', 'requests')).toBeCloseTo(0.4 / 1e6, 15); // 1 request × $0.40/M
    expect(usd(past, 'Firestore', 'document writes')).toBeCloseTo(0.09 / 1e5, 15); // 1 write × $0.09/100k
    // a fourth scheduler job: 730/24 days × $0.10/31 days = $0.098118
    expect(monthlyCost(usage({}, { schedulerJobs: 4 })).totalUsd).toBeCloseTo((0.1 * 730) / 24 / 31, 12);
  });

  it('bills a 101 ms request as 200 ms (free tiers off)', () => {
    // 1 request of 101 ms → 200 ms billed; 1 vCPU, 1 GiB: 0.2 vCPU-s × $0.000024 = $0.0000048; 0.2 GiB-s × $0.0000025 = $0.0000005
    const r = monthlyCost(usage({ functions: [fn('f', 1, 200, { memoryMiB: 1024 })] }), PRICES, { freeTiers: false });
    expect(usd(r, 'Cloud Run functions', 'CPU')).toBeCloseTo(0.0000048, 15);
    expect(usd(r, 'Cloud Run functions', 'memory')).toBeCloseTo(0.0000005, 15);
    expect(usd(r, 'Cloud Run functions', 'requests')).toBeCloseTo(0.0000004, 15);
  });

  it('shares instance time across concurrent requests', () => {
    // One function, 2 vCPU, Σ billed = 1 month of request time (L = 1 in flight on average).
    // concurrency 1: 2,628,000 instance-s; concurrency 2: 2,628,000 × 0.716166… = 1,882,084.72 instance-s
    const month = 2_628_000;
    const cpu = (c: number): number =>
      monthlyCost(usage({ functions: [fn('f', 1e6, month * 1000, { vcpu: 2, concurrency: c })] }), PRICES, { freeTiers: false }).lines.find((l) =>
        l.item.startsWith('CPU'),
      )!.quantity;
    expect(cpu(1)).toBeCloseTo(2 * month, 6);
    expect(cpu(2)).toBeCloseTo(2 * month * 0.7161661791908468, 3);
    // Higher concurrency never costs more, and never less than perfect sharing (Σ / c)
    expect(cpu(8)).toBeLessThanOrEqual(cpu(2));
    expect(cpu(8)).toBeGreaterThanOrEqual((2 * month) / 8);
  });

  it('applies the 1,000-byte Pub/Sub minimum per request', () => {
    // a message: 100-byte body + attribute "a"="bc" (3 bytes) + 20-byte timestamp + 16-byte message_id = 139 bytes
    expect(pubsubMessageBytes(100, { a: 'bc' }, 16)).toBe(139);
    expect(pubsubBillableRequestBytes(139)).toBe(1000);
    expect(pubsubBillableRequestBytes(20_000)).toBe(20_000);
    const ps = (publishRequests: number, publishBytes: number): number =>
      monthlyCost(usage({ pubsub: { publishRequests, publishBytes, deliveryRequests: 0, deliveryBytes: 0 } }), PRICES, { freeTiers: false }).lines.find(
        (l) => l.service === 'Pub/Sub',
      )!.quantity;
    // 100 events of 200 bytes one per publish: 100 × 1,000 = 100,000 billed bytes
    expect(ps(100, 100 * 200)).toBe(100_000);
    // the same 100 events in one publish: 20,000 bytes, no minimum applies
    expect(ps(1, 100 * 200)).toBe(20_000);
    // $: 100,000 bytes × $40 / 2^40 = $0.0000036380
    expect(monthlyCost(usage({ pubsub: { publishRequests: 100, publishBytes: 20_000, deliveryRequests: 0, deliveryBytes: 0 } }), PRICES, { freeTiers: false }).totalUsd).toBeCloseTo(
      (100_000 * 40) / 2 ** 40,
      15,
    );
  });

  it('costs $0 at idle but for storage', () => {
    const stocks: Stocks = { ...ZERO_STOCKS, firestoreGib: 3, gcsGib: { standard: 10, nearline: 50, coldline: 0, archive: 0 }, bigqueryActiveGib: 25, schedulerJobs: 2, artifactRegistryGib: 0.4 };
    const r = monthlyCost(scaleToMonth(RUN, 0, { stocks }));
    // Firestore (3 − 1) × $0.15 = $0.30; GCS 10 × $0.02 + 50 × $0.01 = $0.70; BigQuery (25 − 10) × $0.02 = $0.30;
    // scheduler 2 jobs ≤ 3 free; Artifact Registry 0.4 ≤ 0.5 GiB free → $1.30
    expect(r.totalUsd).toBeCloseTo(1.3, 12);
    const flowLines = r.lines.filter((l) => !/storage|stored data|jobs/.test(l.item));
    for (const l of flowLines) expect(l.usd).toBe(0);
    expect(monthlyCost(scaleToMonth(RUN, 0)).totalUsd).toBe(0);
  });

  it('bills TTL deletes with no free quota, and storage beyond BigQuery’s 10 GiB active first', () => {
    const r = monthlyCost(usage({ firestore: { reads: 0, writes: 0, deletes: 0, ttlDeletes: 100_000 } }, { bigqueryActiveGib: 4, bigqueryLongTermGib: 16 }));
    expect(usd(r, 'Firestore', 'TTL deletes')).toBeCloseTo(0.01, 12); // 100,000 × $0.01/100k
    // free 10 GiB: 4 active (all free) + 6 of the 16 long-term → 10 GiB × $0.01 = $0.10
    expect(usd(r, 'BigQuery', 'long-term')).toBeCloseTo(0.1, 12);
    expect(usd(r, 'BigQuery', 'active')).toBe(0);
  });

  it('scales a measured run linearly in the rate, and adds rate-independent flows', () => {
    const tick: Flows = { ...ZERO_FLOWS, functions: [fn('tick', 43_800, 4_380_000)] }; // one 100 ms tick a minute, 730 h
    const at10 = scaleToMonth(RUN, 10, { fixed: tick });
    const at20 = scaleToMonth(RUN, 20, { fixed: tick });
    const ingest = (u: MonthlyUsage): number => u.flows.functions.find((f) => f.name === 'ingest')!.requests;
    expect(ingest(at20)).toBeCloseTo(2 * ingest(at10), 6);
    expect(ingest(at10)).toBeCloseTo((10 * 2_628_000 * 1000) / 1000, 6); // 26,280,000 events × 1 ingest request each
    expect(at10.flows.functions.find((f) => f.name === 'tick')!.requests).toBe(43_800);
    expect(() => scaleToMonth({ ...RUN, events: 0 }, 1)).toThrow(RangeError);
  });
});

describe('Dataflow floor and the crossover', () => {
  it('prices the minimum streaming job: 730 h × (2 × $0.069 + 7.5 × $0.003557) + 30 GB × $0.04 = $121.41', () => {
    // 730 × (0.138 + 0.0266775) = 730 × 0.1646775 = 120.214575; + 1.20 disk = 121.414575
    expect(dataflowFloorUsdPerMonth()).toBeCloseTo(121.414575, 9);
    // a second worker doubles workers × hours; 100 GB of Streaming Engine data adds $1.80
    const two = dataflowMonthlyCost({ workers: 2, vcpusPerWorker: 2, memoryGbPerWorker: 7.5, diskGbPerWorker: 30, streamingEngineGb: 100, hoursPerMonth: 730 });
    expect(two.totalUsd).toBeCloseTo(2 * 121.414575 + 1.8, 9);
  });

  it('finds the rate where a monotone cost reaches the floor by bisection', () => {
    // $5 + $2 per event/s reaches $121.414575 at (121.414575 − 5) / 2 = 58.2072875 events/s
    expect(crossoverEventsPerSec((r) => 5 + 2 * r, 121.414575)).toBeCloseTo(58.2072875, 5);
    expect(crossoverEventsPerSec((r) => 500 + r, 121)).toBe(0); // already above at 0
    expect(crossoverEventsPerSec(() => 1, 121)).toBeUndefined(); // never reaches it
  });

  it('crosses the Dataflow floor where the measured run’s month costs the floor', () => {
    const floor = dataflowFloorUsdPerMonth();
    const at = sluiceUsdPerMonthAt(RUN);
    const r = crossoverEventsPerSec(at, floor)!;
    expect(r).toBeGreaterThan(0);
    expect(at(r)).toBeGreaterThanOrEqual(floor);
    expect(at(r * (1 - 1e-6))).toBeLessThan(floor);
  });
});

describe('the price table', () => {
  it('gives every price and free tier a source page and the date read', () => {
    for (const e of [...Object.values(PRICES.price), ...Object.values(PRICES.free)]) {
      expect(e.source).toMatch(/^https:\/\/cloud\.google\.com\//);
      expect(e.read).toBe('2026-12-05');
    }
    expect(PRICES.region).toBe('us-central1');
  });

});

describe('monotonicity', () => {
  /** Every numeric usage field, as a path, except configuration that lowers cost (concurrency). */
  function numericPaths(o: unknown, prefix: string[] = []): string[][] {
    if (typeof o === 'number') return [prefix];
    if (o && typeof o === 'object') {
      return Object.entries(o).flatMap(([k, v]) => (k === 'concurrency' || k === 'name' ? [] : numericPaths(v, [...prefix, k])));
    }
    return [];
  }

  function bump(u: MonthlyUsage, path: string[], by: number): MonthlyUsage {
    const copy = structuredClone(u) as unknown as Record<string, unknown>;
    let o = copy;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
    const last = path[path.length - 1]!;
    o[last] = (o[last] as number) + by;
    return copy as unknown as MonthlyUsage;
  }

  it('never lowers the bill when any usage field grows', () => {
    const next = prng(15); // seeded, so a failure reproduces
    const scale = (): number => 10 ** (next() * 10 - 2); // 0.01 … 1e8
    for (let trial = 0; trial < 60; trial += 1) {
      const u: MonthlyUsage = {
        flows: {
          functions: [
            fn('a', scale(), scale() * 100, { vcpu: 1, memoryMiB: 512, concurrency: 1 + Math.floor(next() * 40) }),
            fn('b', scale(), scale() * 100, { vcpu: 0.5, memoryMiB: 256, concurrency: 1 }),
          ],
          pubsub: { publishRequests: scale(), publishBytes: scale() * 500, deliveryRequests: scale(), deliveryBytes: scale() * 500 },
          firestore: { reads: scale(), writes: scale(), deletes: scale(), ttlDeletes: scale() },
          gcs: { classAOps: scale(), classBOps: scale() },
          bigquery: { insertAllRows: scale(), insertAllBytes: scale() * 800, storageWriteBytes: scale() * 1e4, queryBytes: scale() * 1e4 },
          loggingBytes: scale() * 100,
          monitoringBytes: scale(),
        },
        stocks: {
          firestoreGib: next() * 5,
          gcsGib: { standard: next() * 50, nearline: next() * 50, coldline: next(), archive: next() },
          bigqueryActiveGib: next() * 30,
          bigqueryLongTermGib: next() * 30,
          schedulerJobs: Math.floor(next() * 6),
          artifactRegistryGib: next(),
        },
      };
      const freeTiers = trial % 2 === 0;
      const base = monthlyCost(u, PRICES, { freeTiers }).totalUsd;
      for (const path of numericPaths(u)) {
        const more = monthlyCost(bump(u, path, scale()), PRICES, { freeTiers }).totalUsd;
        expect(more, `${path.join('.')} (trial ${trial})`).toBeGreaterThanOrEqual(base * (1 - 1e-12));
      }
      expect(monthlyCost(u, PRICES, { freeTiers: false }).totalUsd).toBeGreaterThanOrEqual(monthlyCost(u).totalUsd * (1 - 1e-12));
    }
  });

  it('never lowers the bill as the event rate grows', () => {
    const at = sluiceUsdPerMonthAt(RUN);
    let prev = -1;
    for (const rate of [0, 0.01, 0.1, 1, 2, 5, 10, 30, 100, 300, 1000, 3000]) {
      const c = at(rate);
      expect(c).toBeGreaterThanOrEqual(prev);
      prev = c;
    }
  });
});
