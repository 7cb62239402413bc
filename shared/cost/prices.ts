/**
 * The one price table of the cost model: every Google Cloud list price and free tier sluice's bill is
 * made of, each beside the page it comes from and the day it was read. One region throughout:
 * **us-central1 (Iowa), a Tier 1 region for Cloud Run**; prices in USD, no committed-use discounts.
 *
 * `checked` says how far each number was confirmed on 2026-12-05:
 * - `'page'`: read in a stored copy of the cited page (or its official regional/translated copy);
 * - `'secondary'`: the cited page's table is rendered by script and absent from every stored copy; the
 *   number was confirmed in a third-party transcription of that page (named in `note`);
 * - `'carried'`: not found in any stored copy; carried over from bench/e2e-model.ts, which cites the
 *   same page. Re-read these first when the table is refreshed.
 *
 * Units are the pages' own: Google bills storage and data volume in binary units (GiB = 2^30 bytes,
 * TiB = 2^40 bytes, "GB" on the Cloud Storage, BigQuery and Artifact Registry pages is 2^30 bytes).
 */

/** The day every entry below was read. */
export const PRICES_READ = '2026-12-05';

/** A list price: `usd` dollars for every `per` units of `unit`. */
export interface ListPrice {
  usd: number;
  per: number;
  unit: string;
  source: string;
  read: string;
  checked: 'page' | 'secondary' | 'carried';
  note?: string;
}

/** A monthly free allowance of `amount` units of `unit`, for the stated `scope`. */
export interface FreeTier {
  amount: number;
  unit: string;
  scope: 'billing account' | 'project' | 'database';
  source: string;
  read: string;
  checked: 'page' | 'secondary' | 'carried';
  note?: string;
}

const RUN = 'https://cloud.google.com/run/pricing';
const PUBSUB = 'https://cloud.google.com/pubsub/pricing';
const FIRESTORE = 'https://cloud.google.com/firestore/pricing';
const GCS = 'https://cloud.google.com/storage/pricing';
const BIGQUERY = 'https://cloud.google.com/bigquery/pricing';
const OBSERVABILITY = 'https://cloud.google.com/stackdriver/pricing';
const SCHEDULER = 'https://cloud.google.com/scheduler/pricing';
const ARTIFACTS = 'https://cloud.google.com/artifact-registry/pricing';
const DATAFLOW = 'https://cloud.google.com/dataflow/pricing';
const D = PRICES_READ;

export const PRICES = {
  region: 'us-central1',
  runTier: 'Tier 1',
  read: PRICES_READ,
  price: {
    // Cloud Run functions (2nd gen) are billed as Cloud Run services with request-based billing
    // ("For information about Cloud Run functions (formerly known as Cloud Functions (2nd gen)) see
    // the Cloud Run pricing page" — https://cloud.google.com/functions/pricing-1stgen).
    runRequests: { usd: 0.4, per: 1e6, unit: 'request', source: RUN, read: D, checked: 'secondary', note: '$0.40 per million requests beyond the free tier (the stored copy of the table breaks off after the CPU price; cloudwebschool.com and cloudchipr.com transcriptions agree)' },
    runVcpuSecond: { usd: 0.000024, per: 1, unit: 'vCPU-second', source: RUN, read: D, checked: 'page', note: 'Tier 1, CPU only allocated during request processing; rounded up to the nearest 100 ms' },
    runGibSecond: { usd: 0.0000025, per: 1, unit: 'GiB-second', source: RUN, read: D, checked: 'secondary', note: 'Tier 1, request-based billing (same transcriptions as runRequests)' },

    pubsubThroughput: { usd: 40, per: 2 ** 40, unit: 'byte', source: PUBSUB, read: D, checked: 'page', note: '$40 per TiB of Message Delivery Basic; publish and every delivery billed; at least 1,000 bytes per publish, push or pull request' },

    // Firestore Standard edition, regional US location.
    firestoreRead: { usd: 0.03, per: 1e5, unit: 'document read', source: FIRESTORE, read: D, checked: 'secondary', note: 'location table rendered by script; the Firebase copy of the page lists US regional (Oregon) at $0.03 / $0.09 / $0.01 per 100,000 and $0.15/GiB/month, the same rates bench/e2e-model.ts gives for us-central1' },
    firestoreWrite: { usd: 0.09, per: 1e5, unit: 'document write', source: FIRESTORE, read: D, checked: 'secondary' },
    firestoreDelete: { usd: 0.01, per: 1e5, unit: 'document delete', source: FIRESTORE, read: D, checked: 'secondary', note: 'TTL deletes are billed at this rate with no free usage' },
    firestoreStorageGibMonth: { usd: 0.15, per: 1, unit: 'GiB-month', source: FIRESTORE, read: D, checked: 'secondary', note: 'US regional row ($0.15/GiB/month); the multi-region nam5 row is $0.18' },

    // Cloud Storage, regional bucket in us-central1.
    gcsStandardGibMonth: { usd: 0.02, per: 1, unit: 'GiB-month', source: GCS, read: D, checked: 'page', note: 'Iowa (us-central1) Standard storage $0.020 per GB per month' },
    gcsNearlineGibMonth: { usd: 0.01, per: 1, unit: 'GiB-month', source: GCS, read: D, checked: 'page' },
    gcsColdlineGibMonth: { usd: 0.004, per: 1, unit: 'GiB-month', source: GCS, read: D, checked: 'page' },
    gcsArchiveGibMonth: { usd: 0.0012, per: 1, unit: 'GiB-month', source: GCS, read: D, checked: 'page' },
    gcsClassA: { usd: 0.005, per: 1000, unit: 'class A operation', source: 'https://cloud.google.com/storage/pricing-examples', read: D, checked: 'page', note: 'Standard storage, regional: object adds, bucket and object listings' },
    gcsClassB: { usd: 0.0004, per: 1000, unit: 'class B operation', source: 'https://cloud.google.com/storage/pricing-examples', read: D, checked: 'page', note: 'Standard storage, regional: object gets, metadata reads' },

    // BigQuery, on-demand.
    bqInsertAll: { usd: 0.01, per: 200 * 2 ** 20, unit: 'byte', source: BIGQUERY, read: D, checked: 'page', note: 'legacy streaming inserts (tabledata.insertAll): $0.01 per 200 MB, each row at least 1 KB; BigQuery MB/GB are binary (read in older revisions of the page)' },
    bqStorageWrite: { usd: 0.025, per: 2 ** 30, unit: 'byte', source: BIGQUERY, read: D, checked: 'secondary', note: 'Storage Write API: $0.025 per GiB after the first 2 TiB a month (transcribed by help.nops.io)' },
    bqActiveStorageGibMonth: { usd: 0.02, per: 1, unit: 'GiB-month', source: BIGQUERY, read: D, checked: 'secondary', note: 'active logical storage: $0.02 in older revisions of the page; a 2025 transcription (coconote.app) agrees' },
    bqLongTermStorageGibMonth: { usd: 0.01, per: 1, unit: 'GiB-month', source: BIGQUERY, read: D, checked: 'secondary', note: 'long-term logical storage (tables unmodified for 90 days); as for active storage' },
    bqQuery: { usd: 6.25, per: 2 ** 40, unit: 'byte scanned', source: BIGQUERY, read: D, checked: 'secondary', note: 'on-demand $6.25 per TiB (the official table is rendered by script; several transcriptions agree)' },

    loggingIngestion: { usd: 0.5, per: 2 ** 30, unit: 'byte', source: OBSERVABILITY, read: D, checked: 'page', note: 'Cloud Logging storage (ingestion) $0.50/GiB, includes 30 days of retention' },
    monitoringIngestion: { usd: 0.258, per: 2 ** 20, unit: 'byte', source: OBSERVABILITY, read: D, checked: 'secondary', note: 'chargeable metrics (e.g. user-defined log-based metrics) $0.2580/MiB for 150–100,000 MiB, read in 2021 and 2023 archived copies of the page; the lower tiers above 100,000 MiB are not modelled' },

    schedulerJob: { usd: 0.1, per: 31, unit: 'job-day', source: SCHEDULER, read: D, checked: 'page', note: '$0.10 per job per 31 days, billed per day; a paused job counts' },

    artifactRegistryGibMonth: { usd: 0.1, per: 1, unit: 'GiB-month', source: ARTIFACTS, read: D, checked: 'page', note: 'over 0.5 GB; same for regional and multi-regional repositories' },

    // Dataflow streaming workers, us-central1.
    dataflowStreamingVcpuHour: { usd: 0.069, per: 1, unit: 'vCPU-hour', source: DATAFLOW, read: D, checked: 'carried' },
    dataflowStreamingGbHour: { usd: 0.003557, per: 1, unit: 'GB-hour', source: DATAFLOW, read: D, checked: 'carried' },
    dataflowStreamingEngineGb: { usd: 0.018, per: 1, unit: 'GB processed', source: DATAFLOW, read: D, checked: 'carried', note: 'Streaming Engine data-processed billing; resource-based (compute unit) billing not modelled' },
    persistentDiskGbMonth: { usd: 0.04, per: 1, unit: 'GB-month', source: DATAFLOW, read: D, checked: 'carried', note: 'standard Persistent Disk, the worker boot disk' },
  },
  free: {
    runRequests: { amount: 2e6, unit: 'request', scope: 'billing account', source: RUN, read: D, checked: 'page', note: 'aggregated across projects by billing account, resets every month; applied as a Tier 1 spending-based discount' },
    runVcpuSeconds: { amount: 180_000, unit: 'vCPU-second', scope: 'billing account', source: RUN, read: D, checked: 'page' },
    runGibSeconds: { amount: 360_000, unit: 'GiB-second', scope: 'billing account', source: RUN, read: D, checked: 'page' },
    pubsubThroughputBytes: { amount: 10 * 2 ** 30, unit: 'byte', scope: 'billing account', source: PUBSUB, read: D, checked: 'page', note: 'first 10 GiB of Message Delivery Basic a month' },
    firestoreReadsPerDay: { amount: 50_000, unit: 'document read per day', scope: 'database', source: FIRESTORE, read: D, checked: 'page', note: 'daily quota, one free database per project; modelled as 30 × the daily amount per month' },
    firestoreWritesPerDay: { amount: 20_000, unit: 'document write per day', scope: 'database', source: FIRESTORE, read: D, checked: 'page' },
    firestoreDeletesPerDay: { amount: 20_000, unit: 'document delete per day', scope: 'database', source: FIRESTORE, read: D, checked: 'page', note: 'TTL deletes are excluded from free usage' },
    firestoreStoredGib: { amount: 1, unit: 'GiB', scope: 'database', source: FIRESTORE, read: D, checked: 'page' },
    bqStorageWriteBytes: { amount: 2 * 2 ** 40, unit: 'byte', scope: 'billing account', source: BIGQUERY, read: D, checked: 'secondary', note: 'first 2 TiB of Storage Write API ingestion a month' },
    bqStorageGib: { amount: 10, unit: 'GiB', scope: 'billing account', source: BIGQUERY, read: D, checked: 'page', note: 'first 10 GiB of storage a month (older revisions list it under active and long-term storage alike); applied to active storage first, the rest to long-term' },
    bqQueryBytes: { amount: 2 ** 40, unit: 'byte scanned', scope: 'billing account', source: BIGQUERY, read: D, checked: 'page', note: 'first 1 TiB of on-demand query data a month' },
    loggingBytes: { amount: 50 * 2 ** 30, unit: 'byte', scope: 'project', source: OBSERVABILITY, read: D, checked: 'page', note: 'first 50 GiB per project per month' },
    monitoringBytes: { amount: 150 * 2 ** 20, unit: 'byte', scope: 'billing account', source: OBSERVABILITY, read: D, checked: 'secondary', note: 'first 150 MiB of chargeable metrics per billing account (archived copies)' },
    schedulerJobs: { amount: 3, unit: 'job', scope: 'billing account', source: SCHEDULER, read: D, checked: 'page' },
    artifactRegistryGib: { amount: 0.5, unit: 'GiB', scope: 'billing account', source: ARTIFACTS, read: D, checked: 'page' },
  },
} as const satisfies {
  region: string;
  runTier: string;
  read: string;
  price: Record<string, ListPrice>;
  free: Record<string, FreeTier>;
};

/** The shape of a price table: PRICES, or a copy with other numbers (a later reading, another region). */
export interface PriceTable {
  region: string;
  runTier: string;
  read: string;
  price: { [K in keyof (typeof PRICES)['price']]: ListPrice };
  free: { [K in keyof (typeof PRICES)['free']]: FreeTier };
}

/** Dollars per one `unit` of a list price. */
export function unitPrice(p: ListPrice): number {
  return p.usd / p.per;
}
