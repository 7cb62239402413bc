/**
 * The topology: every cloud resource a pipeline needs, as one plain, JSON-serialisable data
 * structure. The Pulumi program and the local emulator bootstrap both read it, so local equals
 * cloud; the only field that differs between them is `env` (and the `SLUICE_ENV` variable).
 */
import type { FUNCTIONS_RUNTIME } from './runtime';

export const TopicRole = {
  RAW: 'raw',
  EVENTS: 'events',
  KEYED: 'keyed',
  TICK: 'tick',
  FILES: 'files',
  DEAD_LETTER: 'deadLetter',
  /** Where the dead-letter sink's own failures park, held by a pull subscription for an operator. */
  PARKING: 'parking',
} as const;
export type TopicRole = (typeof TopicRole)[keyof typeof TopicRole];

/** Stages deployed as functions. */
export const FunctionStage = {
  INGEST: 'ingest',
  TRANSFORM: 'transform',
  AGGREGATOR: 'aggregator',
  DEAD_LETTER: 'deadletter',
} as const;
export type FunctionStage = (typeof FunctionStage)[keyof typeof FunctionStage];

/**
 * `reference` holds the deployment's own reference data (side inputs whose uri is
 * `gs://{{reference}}/…`): provisioned per deployment, so no pipeline depends on a bucket its user
 * cannot own.
 */
export const BucketRole = { RAW_ARCHIVE: 'rawArchive', LANDING: 'landing', REFERENCE: 'reference', FUNCTION_SOURCE: 'functionSource' } as const;
export type BucketRole = (typeof BucketRole)[keyof typeof BucketRole];

export interface TopologyOptions {
  project: string;
  region: string;
  env: 'local' | 'cloud';
  /** Optional environment prefix (`dev`, `pr-42`): `[a-z]`, then up to 11 of `[a-z0-9-]`, not ending in `-`. */
  prefix?: string;
}

export interface TopicSpec {
  role: TopicRole;
  /** Short name (`iot-sensors-raw`). */
  name: string;
  /** `projects/<project>/topics/<name>`. */
  path: string;
  /** Topic-level retention, seconds; undefined = none. */
  messageRetentionSeconds?: number;
  labels: Record<string, string>;
}

export interface PushDelivery {
  kind: 'push';
  stage: FunctionStage;
  /**
   * Request path on the stage's endpoint: `/projects/<project>/topics/<topic>`, which makes
   * functions-framework hand the function a proper Pub/Sub CloudEvent. Endpoint = base URL + path.
   */
  path: string;
  /** Service account (id) whose OIDC token the push carries; ignored by the emulator. */
  oidcServiceAccountId: string;
}

export interface PullDelivery {
  kind: 'pull';
}

export interface SubscriptionSpec {
  name: string;
  path: string;
  topic: TopicRole;
  topicName: string;
  delivery: PushDelivery | PullDelivery;
  /** For push: how long Pub/Sub waits for the response. Never below the function's timeout. */
  ackDeadlineSeconds: number;
  /** Exponential backoff between redeliveries. Absent only on the terminal hold subscription. */
  retryPolicy?: { minimumBackoffSeconds: number; maximumBackoffSeconds: number };
  /** Absent only on the terminal hold subscription (it is the end of the line). */
  deadLetterPolicy?: { topic: TopicRole; topicName: string; topicPath: string; maxDeliveryAttempts: number };
  enableMessageOrdering: boolean;
  messageRetentionSeconds: number;
  /** Never expire for inactivity (a quiet pipeline must not lose its subscriptions). */
  expirationTtl: 'never';
  /** True for the single terminal subscription that holds parked messages. */
  terminal: boolean;
  labels: Record<string, string>;
}

/** BigQuery column, in the REST API's `TableFieldSchema` form (legacy type names, accepted everywhere). */
export interface BigQueryField {
  name: string;
  type: 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'TIMESTAMP' | 'DATE' | 'RECORD';
  mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  description?: string;
  fields?: BigQueryField[];
}

export type TableRole = 'events' | 'panes' | 'deadLetter' | 'lateData' | 'schemaDrift';

export interface TableSpec {
  name: string;
  role: TableRole;
  /** For pane tables: the aggregation. */
  aggregation?: string;
  description: string;
  schema: BigQueryField[];
  timePartitioning: { type: 'DAY'; field: string; expirationMs?: number };
  clustering: string[];
  labels: Record<string, string>;
}

export type ViewRole = 'dedupedEvents' | 'dedupedLateData' | 'latestPane' | 'dataMart';

export interface ViewSpec {
  name: string;
  role: ViewRole;
  aggregation?: string;
  description: string;
  /** BigQuery Standard SQL with fully qualified table names. */
  sql: string;
  /** Tables and views (names in this dataset) the SQL reads; views appear after their dependencies. */
  dependsOn: string[];
}

export interface DatasetSpec {
  id: string;
  location: string;
  description: string;
  labels: Record<string, string>;
  tables: TableSpec[];
  views: ViewSpec[];
}

export type LifecycleRule =
  | { action: { type: 'SetStorageClass'; storageClass: 'NEARLINE' | 'COLDLINE' }; condition: { age: number } }
  | { action: { type: 'Delete' }; condition: { age: number } };

export interface BucketSpec {
  role: BucketRole;
  name: string;
  location: string;
  storageClass: 'STANDARD';
  uniformBucketLevelAccess: true;
  publicAccessPrevention: 'enforced';
  lifecycleRules: LifecycleRule[];
  /** Object-finalize notification (landing bucket → files topic). */
  notification?: {
    topic: TopicRole;
    topicName: string;
    topicPath: string;
    eventTypes: ['OBJECT_FINALIZE'];
    payloadFormat: 'JSON_API_V1';
  };
  labels: Record<string, string>;
}

export interface SchedulerJobSpec {
  name: string;
  /** Cron, in `timeZone`. */
  schedule: string;
  timeZone: 'Etc/UTC';
  /** The local stack's timer interval for the same job. */
  intervalSeconds: number;
  topic: TopicRole;
  topicName: string;
  topicPath: string;
  /** The message body, plain UTF-8 JSON (an encoded `TickMessage`); Cloud Scheduler's `pubsubTarget.data` wants it base64-encoded. */
  data: string;
  attributes: Record<string, string>;
}

/** What a function touches: the infrastructure derives least-privilege IAM from this and nothing else. */
export interface FunctionAccess {
  publishes: TopicRole[];
  /** Tables and views (names in the pipeline's dataset) it inserts into. */
  writesTables: string[];
  /** Whether it runs BigQuery query jobs (BigQuery side inputs). */
  runsQueries: boolean;
  buckets: Array<{ bucket: BucketRole; access: 'read' | 'write' | 'readWrite' }>;
  /** Objects outside the pipeline's buckets it reads (GCS side inputs). */
  externalObjects: Array<{ bucket: string; object: string }>;
  firestore: boolean;
  /** Secret Manager secret ids it reads. */
  secrets: string[];
}

export interface FunctionSpec {
  stage: FunctionStage;
  name: string;
  /** The functions-framework target exported by `functions/<stage>/index.ts`. */
  entryPoint: string;
  sourceDir: string;
  /** The Cloud Functions runtime id: always `FUNCTIONS_RUNTIME` (./runtime.ts). */
  runtime: typeof FUNCTIONS_RUNTIME;
  memoryMb: number;
  cpu: string;
  timeoutSeconds: number;
  minInstances: 0;
  maxInstances: number;
  /** Requests per instance; > 1 lets ingest and transform group-commit concurrent deliveries. */
  concurrency: number;
  serviceAccountId: string;
  /** Plain environment (names, never secrets). */
  env: Record<string, string>;
  /** Secrets mounted as environment variables. */
  secretEnv: Array<{ env: string; secret: string; version: 'latest' }>;
  /** Subscriptions that push to it. */
  subscriptions: string[];
  access: FunctionAccess;
  labels: Record<string, string>;
}

export interface FirestoreSpec {
  database: '(default)';
  /** Document all of this pipeline's state hangs under: `<root>/<pipeline>`. */
  pipelineDocument: string;
  collections: { partitions: string; ledger: string; schemaRegistry: string; files: string };
  /** TTL policies: collection group and timestamp field (the emulator has no TTL: state is also deleted explicitly). */
  ttlPolicies: Array<{ collectionGroup: string; field: string }>;
  /** Fields exempted from single-field indexing (large, never queried). */
  indexExemptions: Array<{ collectionGroup: string; field: string }>;
}

export interface SideInputSpec {
  name: string;
  kind: 'gcs' | 'bigquery';
  bucket?: string;
  object?: string;
  /** BigQuery side inputs: the query with table placeholders resolved. */
  query?: string;
}

export interface Topology {
  version: 1;
  pipeline: string;
  project: string;
  region: string;
  env: 'local' | 'cloud';
  prefix: string;
  labels: Record<string, string>;
  topics: Record<TopicRole, TopicSpec>;
  subscriptions: SubscriptionSpec[];
  dataset: DatasetSpec;
  buckets: Record<BucketRole, BucketSpec>;
  scheduler: { jobs: SchedulerJobSpec[] };
  functions: Record<FunctionStage, FunctionSpec>;
  /** Service account (id) that push subscriptions authenticate as; granted invoker on each function. */
  pushServiceAccountId: string;
  firestore: FirestoreSpec;
  sideInputs: SideInputSpec[];
}
