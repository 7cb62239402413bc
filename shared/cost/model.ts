/**
 * The cost model: a month of counted usage priced line by line from the one price table, free tiers
 * applied per month. Pure: no I/O, no clock, no environment.
 */
import { billableInstanceSeconds } from './compute';
import { PRICES, unitPrice, type ListPrice, type PriceTable } from './prices';
import {
  BIGQUERY_INSERTALL_MIN_ROW_BYTES,
  FIRESTORE_FREE_DAYS_PER_MONTH,
  MONTH_DAYS,
  MONTH_HOURS,
  MONTH_SECONDS,
  PUBSUB_MIN_REQUEST_BYTES,
  scaleToMonth,
  type MeasuredRun,
  type MonthlyUsage,
  type ScaleOptions,
} from './usage';

/** One line of a bill. `quantity` and `billable` are in `unit`, the unit the list price is quoted in. */
export interface CostLine {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  /** What is left after the monthly free tier. */
  billable: number;
  usd: number;
}

export interface CostReport {
  lines: CostLine[];
  totalUsd: number;
}

export interface CostOptions {
  /**
   * Apply the free tiers (default true): sluice is then assumed to be alone on its billing account
   * and project. Pass false for a billing account whose free tiers other workloads already use.
   */
  freeTiers?: boolean;
  /** The month the flows were counted over (default 730 h); sets the concurrency model's period. */
  monthSeconds?: number;
}

function priced(service: string, item: string, quantity: number, free: number, price: ListPrice): CostLine {
  const billable = Math.max(0, quantity - free);
  return { service, item, quantity, unit: price.unit, billable, usd: billable * unitPrice(price) };
}

function report(lines: CostLine[]): CostReport {
  return { lines, totalUsd: lines.reduce((s, l) => s + l.usd, 0) };
}

/** The month's bill for `usage`, one line per billed item, every line present (zero or not). */
export function monthlyCost(usage: MonthlyUsage, prices: PriceTable = PRICES, opts: CostOptions = {}): CostReport {
  const p = prices.price;
  const withFree = opts.freeTiers ?? true;
  const free = (n: number): number => (withFree ? n : 0);
  const fr = prices.free;
  const month = opts.monthSeconds ?? MONTH_SECONDS;
  const { flows, stocks } = usage;

  let requests = 0;
  let vcpuSeconds = 0;
  let gibSeconds = 0;
  for (const fn of flows.functions) {
    const instanceSeconds = billableInstanceSeconds(fn.billedRequestMs, fn.concurrency, month);
    requests += fn.requests;
    vcpuSeconds += instanceSeconds * fn.vcpu;
    gibSeconds += (instanceSeconds * fn.memoryMiB) / 1024;
  }

  const ps = flows.pubsub;
  const pubsubBytes =
    Math.max(ps.publishRequests * PUBSUB_MIN_REQUEST_BYTES, ps.publishBytes) + Math.max(ps.deliveryRequests * PUBSUB_MIN_REQUEST_BYTES, ps.deliveryBytes);

  const fs = flows.firestore;
  const bq = flows.bigquery;
  const insertAllBytes = Math.max(bq.insertAllRows * BIGQUERY_INSERTALL_MIN_ROW_BYTES, bq.insertAllBytes);
  const bqFreeStorage = free(fr.bqStorageGib.amount);
  const bqFreeLeft = Math.max(0, bqFreeStorage - stocks.bigqueryActiveGib);

  return report([
    priced('Cloud Run functions', 'requests', requests, free(fr.runRequests.amount), p.runRequests),
    priced('Cloud Run functions', 'CPU (instance time × vCPU, 100 ms rounding, shared by concurrency)', vcpuSeconds, free(fr.runVcpuSeconds.amount), p.runVcpuSecond),
    priced('Cloud Run functions', 'memory (instance time × GiB)', gibSeconds, free(fr.runGibSeconds.amount), p.runGibSecond),
    priced('Pub/Sub', 'throughput: publish + each delivery, ≥ 1,000 bytes per request', pubsubBytes, free(fr.pubsubThroughputBytes.amount), p.pubsubThroughput),
    priced('Firestore', 'document reads', fs.reads, free(fr.firestoreReadsPerDay.amount * FIRESTORE_FREE_DAYS_PER_MONTH), p.firestoreRead),
    priced('Firestore', 'document writes', fs.writes, free(fr.firestoreWritesPerDay.amount * FIRESTORE_FREE_DAYS_PER_MONTH), p.firestoreWrite),
    priced('Firestore', 'document deletes', fs.deletes, free(fr.firestoreDeletesPerDay.amount * FIRESTORE_FREE_DAYS_PER_MONTH), p.firestoreDelete),
    priced('Firestore', 'TTL deletes (no free quota)', fs.ttlDeletes, 0, p.firestoreDelete),
    priced('Firestore', 'stored data', stocks.firestoreGib, free(fr.firestoreStoredGib.amount), p.firestoreStorageGibMonth),
    priced('Cloud Storage', 'class A operations', flows.gcs.classAOps, 0, p.gcsClassA),
    priced('Cloud Storage', 'class B operations', flows.gcs.classBOps, 0, p.gcsClassB),
    priced('Cloud Storage', 'Standard storage', stocks.gcsGib.standard, 0, p.gcsStandardGibMonth),
    priced('Cloud Storage', 'Nearline storage', stocks.gcsGib.nearline, 0, p.gcsNearlineGibMonth),
    priced('Cloud Storage', 'Coldline storage', stocks.gcsGib.coldline, 0, p.gcsColdlineGibMonth),
    priced('Cloud Storage', 'Archive storage', stocks.gcsGib.archive, 0, p.gcsArchiveGibMonth),
    priced('BigQuery', 'streaming inserts (insertAll, ≥ 1 KiB per row)', insertAllBytes, 0, p.bqInsertAll),
    priced('BigQuery', 'Storage Write API ingestion', bq.storageWriteBytes, free(fr.bqStorageWriteBytes.amount), p.bqStorageWrite),
    priced('BigQuery', 'active logical storage', stocks.bigqueryActiveGib, bqFreeStorage, p.bqActiveStorageGibMonth),
    priced('BigQuery', 'long-term logical storage', stocks.bigqueryLongTermGib, bqFreeLeft, p.bqLongTermStorageGibMonth),
    priced('BigQuery', 'on-demand queries (bytes scanned)', bq.queryBytes, free(fr.bqQueryBytes.amount), p.bqQuery),
    priced('Cloud Logging', 'log ingestion', flows.loggingBytes, free(fr.loggingBytes.amount), p.loggingIngestion),
    priced('Cloud Monitoring', 'chargeable metrics ingested', flows.monitoringBytes, free(fr.monitoringBytes.amount), p.monitoringIngestion),
    priced('Cloud Scheduler', 'jobs', stocks.schedulerJobs * MONTH_DAYS, free(fr.schedulerJobs.amount * MONTH_DAYS), p.schedulerJob),
    priced('Artifact Registry', 'storage', stocks.artifactRegistryGib, free(fr.artifactRegistryGib.amount), p.artifactRegistryGibMonth),
  ]);
}

/** A Dataflow streaming job's shape. */
export interface DataflowJob {
  workers: number;
  vcpusPerWorker: number;
  memoryGbPerWorker: number;
  /** Persistent Disk per worker (the boot disk with Streaming Engine). */
  diskGbPerWorker: number;
  /** Streaming Engine data processed in the month. */
  streamingEngineGb: number;
  hoursPerMonth: number;
}

/**
 * The smallest always-on Dataflow streaming job: one n1-standard-2 worker (2 vCPU, 7.5 GB) with
 * Streaming Engine and its 30 GB boot disk, running the whole month, before any data processed.
 */
export const MIN_DATAFLOW_STREAMING_JOB: DataflowJob = {
  workers: 1,
  vcpusPerWorker: 2,
  memoryGbPerWorker: 7.5,
  diskGbPerWorker: 30,
  streamingEngineGb: 0,
  hoursPerMonth: MONTH_HOURS,
};

/** A Dataflow streaming job's month: workers × hours × (vCPU + memory) + disk + Streaming Engine data. */
export function dataflowMonthlyCost(job: DataflowJob = MIN_DATAFLOW_STREAMING_JOB, prices: PriceTable = PRICES): CostReport {
  const p = prices.price;
  const workerHours = job.workers * job.hoursPerMonth;
  return report([
    priced('Dataflow', 'streaming worker vCPU', workerHours * job.vcpusPerWorker, 0, p.dataflowStreamingVcpuHour),
    priced('Dataflow', 'streaming worker memory', workerHours * job.memoryGbPerWorker, 0, p.dataflowStreamingGbHour),
    priced('Dataflow', 'worker Persistent Disk', (job.workers * job.diskGbPerWorker * job.hoursPerMonth) / MONTH_HOURS, 0, p.persistentDiskGbMonth),
    priced('Dataflow', 'Streaming Engine data processed', job.streamingEngineGb, 0, p.dataflowStreamingEngineGb),
  ]);
}

/** The monthly floor of a Dataflow streaming job (≈ $121 for the minimum job at list prices). */
export function dataflowFloorUsdPerMonth(job: DataflowJob = MIN_DATAFLOW_STREAMING_JOB, prices: PriceTable = PRICES): number {
  return dataflowMonthlyCost(job, prices).totalUsd;
}

/** sluice's monthly cost as a function of the event rate, from a measured run. */
export function sluiceUsdPerMonthAt(run: MeasuredRun, scale: ScaleOptions = {}, prices: PriceTable = PRICES, opts: CostOptions = {}): (eventsPerSecond: number) => number {
  return (rate) => monthlyCost(scaleToMonth(run, rate, scale), prices, { ...opts, monthSeconds: scale.monthSeconds ?? opts.monthSeconds }).totalUsd;
}

export interface CrossoverOptions {
  lo?: number;
  hi?: number;
  /** Stop when the bracket is narrower than this fraction of its upper end. */
  relTol?: number;
  maxIterations?: number;
}

/**
 * The smallest event rate at which a monotone non-decreasing `usdPerMonthAt(rate)` reaches
 * `targetUsd` (e.g. the Dataflow floor), by bisection on [lo, hi]. `lo` when it is already reached
 * there; undefined when it is not reached by `hi`.
 */
export function crossoverEventsPerSec(usdPerMonthAt: (eventsPerSecond: number) => number, targetUsd: number, opts: CrossoverOptions = {}): number | undefined {
  let lo = opts.lo ?? 0;
  let hi = opts.hi ?? 1e6;
  const relTol = opts.relTol ?? 1e-9;
  const maxIterations = opts.maxIterations ?? 200;
  if (!(hi > lo) || lo < 0) throw new RangeError(`need 0 ≤ lo < hi, got [${lo}, ${hi}]`);
  if (usdPerMonthAt(lo) >= targetUsd) return lo;
  if (usdPerMonthAt(hi) < targetUsd) return undefined;
  for (let i = 0; i < maxIterations && hi - lo > relTol * hi; i += 1) {
    const mid = lo + (hi - lo) / 2;
    if (usdPerMonthAt(mid) >= targetUsd) hi = mid;
    else lo = mid;
  }
  return hi;
}
