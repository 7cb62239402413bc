/**
 * What the cost model prices: counted usage for a month. `Flows` grow with the events processed (and
 * can be measured on the local stack over a run, then scaled to a month at a rate); `Stocks` are
 * standing quantities (stored bytes, scheduler jobs) that do not.
 */

/** A month as Google's pricing pages and calculator count it: 730 hours. */
export const MONTH_HOURS = 730;
export const MONTH_SECONDS = MONTH_HOURS * 3600;
export const MONTH_DAYS = MONTH_HOURS / 24;
/** Firestore's free quota is daily; the model grants 30 days of it a month (slightly under 30.4). */
export const FIRESTORE_FREE_DAYS_PER_MONTH = 30;

/** One function's requests and its configuration. */
export interface FunctionFlow {
  name: string;
  vcpu: number;
  memoryMiB: number;
  /** Requests per instance (the function's `concurrency`). */
  concurrency: number;
  requests: number;
  /** Σ of the requests' durations, each rounded up to 100 ms on its own (`billedRequestMs`). */
  billedRequestMs: number;
}

/**
 * Pub/Sub traffic. `*Bytes` are the billable volume of the requests: pass each request's message
 * volume floored at 1,000 bytes (`pubsubBillableRequestBytes`) for an exact figure; a raw sum is
 * floored as a whole (max(requests × 1,000, bytes)), exact when every request is on the same side
 * of 1,000 bytes and a lower bound otherwise. Each push delivers one message in one request.
 */
export interface PubsubFlow {
  publishRequests: number;
  publishBytes: number;
  deliveryRequests: number;
  deliveryBytes: number;
}

export interface FirestoreFlow {
  reads: number;
  writes: number;
  /** Deletes by the client (free quota applies). */
  deletes: number;
  /** Deletes by a TTL policy (no free quota). */
  ttlDeletes: number;
}

/** Cloud Storage operations, at Standard-class rates. */
export interface GcsFlow {
  classAOps: number;
  classBOps: number;
}

/**
 * BigQuery ingestion and queries. `insertAllBytes` follows the Pub/Sub rule: rows floored at 1 KiB
 * each (`bigqueryInsertAllRowBytes`) for an exact figure, else max(rows × 1 KiB, bytes).
 */
export interface BigQueryFlow {
  insertAllRows: number;
  insertAllBytes: number;
  storageWriteBytes: number;
  queryBytes: number;
}

export interface Flows {
  functions: FunctionFlow[];
  pubsub: PubsubFlow;
  firestore: FirestoreFlow;
  gcs: GcsFlow;
  bigquery: BigQueryFlow;
  /** Cloud Logging bytes ingested (the log entries' size). */
  loggingBytes: number;
  /** Chargeable Cloud Monitoring bytes (user-defined log-based metrics and the like). */
  monitoringBytes: number;
}

export interface Stocks {
  firestoreGib: number;
  gcsGib: { standard: number; nearline: number; coldline: number; archive: number };
  bigqueryActiveGib: number;
  bigqueryLongTermGib: number;
  schedulerJobs: number;
  artifactRegistryGib: number;
}

export interface MonthlyUsage {
  flows: Flows;
  stocks: Stocks;
}

export const ZERO_FLOWS: Flows = {
  functions: [],
  pubsub: { publishRequests: 0, publishBytes: 0, deliveryRequests: 0, deliveryBytes: 0 },
  firestore: { reads: 0, writes: 0, deletes: 0, ttlDeletes: 0 },
  gcs: { classAOps: 0, classBOps: 0 },
  bigquery: { insertAllRows: 0, insertAllBytes: 0, storageWriteBytes: 0, queryBytes: 0 },
  loggingBytes: 0,
  monitoringBytes: 0,
};

export const ZERO_STOCKS: Stocks = {
  firestoreGib: 0,
  gcsGib: { standard: 0, nearline: 0, coldline: 0, archive: 0 },
  bigqueryActiveGib: 0,
  bigqueryLongTermGib: 0,
  schedulerJobs: 0,
  artifactRegistryGib: 0,
};

/** Pub/Sub's per-request minimum: "A minimum of 1000 bytes per publish, push or pull request". */
export const PUBSUB_MIN_REQUEST_BYTES = 1000;
/** BigQuery insertAll: "individual rows are calculated using a 1 KB minimum size" (binary KB). */
export const BIGQUERY_INSERTALL_MIN_ROW_BYTES = 1024;
/** Pub/Sub counts a message's publish timestamp as 20 bytes. */
export const PUBSUB_TIMESTAMP_BYTES = 20;

const utf8 = new TextEncoder();

/**
 * A Pub/Sub message's data volume: body bytes + each attribute's key and value + 20 bytes for the
 * timestamp + the message_id string (https://cloud.google.com/pubsub/pricing).
 */
export function pubsubMessageBytes(dataBytes: number, attributes: Readonly<Record<string, string>>, messageIdBytes: number): number {
  let n = dataBytes + PUBSUB_TIMESTAMP_BYTES + messageIdBytes;
  for (const [k, v] of Object.entries(attributes)) n += utf8.encode(k).length + utf8.encode(v).length;
  return n;
}

/** A Pub/Sub request's billable volume: its messages' volume, at least 1,000 bytes. */
export function pubsubBillableRequestBytes(requestBytes: number): number {
  return Math.max(PUBSUB_MIN_REQUEST_BYTES, requestBytes);
}

/** A BigQuery insertAll row's billable size: at least 1 KiB. */
export function bigqueryInsertAllRowBytes(rowBytes: number): number {
  return Math.max(BIGQUERY_INSERTALL_MIN_ROW_BYTES, rowBytes);
}

/** Every flow count × k (configuration kept). */
export function scaleFlows(f: Flows, k: number): Flows {
  if (!(k >= 0) || !Number.isFinite(k)) throw new RangeError(`a scale factor must be finite and ≥ 0, got ${k}`);
  return {
    functions: f.functions.map((fn) => ({ ...fn, requests: fn.requests * k, billedRequestMs: fn.billedRequestMs * k })),
    pubsub: mapNumbers(f.pubsub, (v) => v * k),
    firestore: mapNumbers(f.firestore, (v) => v * k),
    gcs: mapNumbers(f.gcs, (v) => v * k),
    bigquery: mapNumbers(f.bigquery, (v) => v * k),
    loggingBytes: f.loggingBytes * k,
    monitoringBytes: f.monitoringBytes * k,
  };
}

/** Two flows summed; functions of the same name are one function (their configuration must agree). */
export function addFlows(a: Flows, b: Flows): Flows {
  const functions = a.functions.map((fn) => ({ ...fn }));
  for (const fn of b.functions) {
    const same = functions.find((x) => x.name === fn.name);
    if (!same) {
      functions.push({ ...fn });
      continue;
    }
    if (same.vcpu !== fn.vcpu || same.memoryMiB !== fn.memoryMiB || same.concurrency !== fn.concurrency) {
      throw new RangeError(`function ${fn.name} appears with two configurations`);
    }
    same.requests += fn.requests;
    same.billedRequestMs += fn.billedRequestMs;
  }
  return {
    functions,
    pubsub: zipNumbers(a.pubsub, b.pubsub),
    firestore: zipNumbers(a.firestore, b.firestore),
    gcs: zipNumbers(a.gcs, b.gcs),
    bigquery: zipNumbers(a.bigquery, b.bigquery),
    loggingBytes: a.loggingBytes + b.loggingBytes,
    monitoringBytes: a.monitoringBytes + b.monitoringBytes,
  };
}

/** Counts measured over a run of `events` events (on the local stack, or worked by hand). */
export interface MeasuredRun {
  events: number;
  flows: Flows;
}

export interface ScaleOptions {
  /** Flows that do not depend on the event rate (a scheduler tick, micro-batch drains), per month. */
  fixed?: Flows;
  stocks?: Stocks;
  monthSeconds?: number;
}

/**
 * A measured run turned into a month at `eventsPerSecond`: every flow scaled by
 * eventsPerSecond × month / run.events (per-event costs kept, mean durations kept), plus the
 * rate-independent `fixed` flows, with the given standing `stocks`. At 0 events/s only `fixed` and
 * `stocks` remain.
 */
export function scaleToMonth(run: MeasuredRun, eventsPerSecond: number, opts: ScaleOptions = {}): MonthlyUsage {
  if (!(run.events > 0)) throw new RangeError(`a measured run needs events > 0, got ${run.events}`);
  if (!(eventsPerSecond >= 0) || !Number.isFinite(eventsPerSecond)) throw new RangeError(`the rate must be finite and ≥ 0, got ${eventsPerSecond}`);
  const month = opts.monthSeconds ?? MONTH_SECONDS;
  const scaled = scaleFlows(run.flows, (eventsPerSecond * month) / run.events);
  return { flows: addFlows(opts.fixed ?? ZERO_FLOWS, scaled), stocks: opts.stocks ?? ZERO_STOCKS };
}

function mapNumbers<T extends object>(o: T, f: (v: number) => number): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as number)])) as T;
}

function zipNumbers<T extends object>(a: T, b: T): T {
  const bb = b as Record<string, number>;
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, (v as number) + (bb[k] ?? 0)])) as T;
}
