import type { BigQueryField, CompositeIndexArgs, LifecycleArgs, RetryBackoff, TtlPolicyArgs, WarehouseTableArgs, WarehouseViewArgs } from './components';

/**
 * What the Pulumi program provisions, as plain data: the pipeline topology seen from the cloud side,
 * plus the facts only infrastructure needs (which stage touches which resource, hence its IAM).
 * Built from the topology by `planFromTopology`; the program turns it into components. Keys
 * (`topic`, `stage`, `bucket`) refer to entries of this plan; names are the cloud resource names.
 */
export interface InfraPlan {
  pipeline: string;
  /** Resource name prefix, e.g. `sluice-iot-sensors`. */
  prefix: string;
  topics: PlanTopic[];
  pushSubscriptions: PlanPushSubscription[];
  /** Pull subscriptions, e.g. the dead-letter topic's holding subscription. */
  pullSubscriptions: PlanPullSubscription[];
  stages: PlanStage[];
  buckets: PlanBucket[];
  warehouse: PlanWarehouse;
  stateStore: PlanStateStore;
  tick: PlanTick;
}

export interface PlanTopic {
  key: string;
  name: string;
  /** Topic-level retention, for seek/replay (`"86400s"`); omitted = none. */
  messageRetentionDuration?: string;
}

export interface PlanPushSubscription {
  name: string;
  /** Key of the topic it subscribes to. */
  topic: string;
  /** Key of the stage it delivers to. */
  stage: string;
  /**
   * Path appended to the stage's URL. `/projects/<p>/topics/<t>` makes the Functions Framework hand
   * the function a proper Pub/Sub CloudEvent.
   */
  pushPath: string;
  ackDeadlineSeconds: number;
  retry: RetryBackoff;
  /** Key of the dead-letter topic. */
  deadLetterTopic: string;
  maxDeliveryAttempts: number;
  enableMessageOrdering: boolean;
  messageRetentionDuration: string;
}

export interface PlanPullSubscription {
  name: string;
  topic: string;
  ackDeadlineSeconds: number;
  messageRetentionDuration: string;
  retry: RetryBackoff;
}

/** Which resources a stage touches: its roles are derived from this and nothing else. */
export interface StageAccess {
  /** Topic keys it publishes to (`roles/pubsub.publisher` on each). */
  publishesTo: string[];
  /** Reads/writes the Firestore database (`roles/datastore.user`, conditioned on that database). */
  firestore: boolean;
  /** Streams rows into the dataset (`roles/bigquery.dataEditor` on the dataset). */
  bigqueryWrite: boolean;
  /** Runs queries, e.g. BigQuery side inputs (`roles/bigquery.jobUser` on the project + dataViewer). */
  bigqueryQuery: boolean;
  /** Bucket keys it writes new objects to (`roles/storage.objectCreator`). */
  bucketsWrite: string[];
  /** Bucket keys it reads (`roles/storage.objectViewer`). */
  bucketsRead: string[];
  /**
   * Buckets the pipeline does not own but reads (reference data for enrichment side inputs), by
   * bucket name: `roles/storage.objectViewer` on each.
   */
  externalBucketsRead: string[];
  /**
   * Secret Manager secrets it reads (PII hashing keys), exposed as environment variables:
   * `roles/secretmanager.secretAccessor` on each secret only.
   */
  secrets: { secretId: string; envVar: string }[];
}

export interface PlanStage {
  key: string;
  functionName: string;
  /** The function name registered with the Functions Framework. */
  entryPoint: string;
  /** The bundle (directory under the bundles dir) deployed for this stage. */
  bundle: string;
  runtime: string;
  memoryMiB: number;
  cpu: string;
  timeoutSeconds: number;
  maxInstances: number;
  minInstances: number;
  concurrency: number;
  environment: Record<string, string>;
  access: StageAccess;
}

export interface PlanBucket {
  key: string;
  name: string;
  lifecycle: LifecycleArgs;
  /** Topic key that receives an `OBJECT_FINALIZE` notification per new object. */
  finalizeNotificationTopic?: string;
}

export interface PlanWarehouse {
  datasetId: string;
  description: string;
  defaultPartitionExpirationMs?: number;
  tables: WarehouseTableArgs[];
  views: WarehouseViewArgs[];
}

export interface PlanStateStore {
  databaseName: string;
  indexes: CompositeIndexArgs[];
  ttlPolicies: TtlPolicyArgs[];
}

export interface PlanTick {
  jobName: string;
  schedule: string;
  timeZone: string;
  /** Topic key the tick is published to. */
  topic: string;
  payload: Record<string, unknown>;
  attributes: Record<string, string>;
}

export type { BigQueryField };
