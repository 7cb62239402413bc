/**
 * `topologyFor`: a pipeline definition and a deployment target in, every resource out. Pure and
 * deterministic — the same inputs give a deep-equal result — so the Pulumi program, the local
 * emulator bootstrap and the tests all see the same topology.
 */
import { encodeTick } from '../messages/keyed';
import { type FunctionOverrides, type Pipeline } from '../pipeline';
import { baseName, checkOptions, fitName, GCP_NAME_RULES, secretEnvVar } from './names';
import { REFERENCE_BUCKET_PLACEHOLDER } from '../pipeline';
import { FUNCTIONS_RUNTIME } from './runtime';
import { tablesFor } from './warehouse';
import { viewsFor } from './views';
import {
  type BucketRole,
  type BucketSpec,
  type FunctionAccess,
  type FunctionSpec,
  type FunctionStage,
  type LifecycleRule,
  type SideInputSpec,
  type SubscriptionSpec,
  type TopicRole,
  type TopicSpec,
  type Topology,
  type TopologyOptions,
} from './types';

const WEEK_SECONDS = 7 * 24 * 3600;

/** Topic name suffixes. */
const TOPIC_SUFFIX: Record<TopicRole, string> = {
  raw: 'raw',
  events: 'events',
  keyed: 'keyed',
  tick: 'tick',
  files: 'files',
  deadLetter: 'dead-letter',
  parking: 'parking',
};

/** Short stage codes for service-account ids (6–30 characters). */
const STAGE_CODE: Record<FunctionStage, string> = { ingest: 'ing', transform: 'tfm', aggregator: 'agg', deadletter: 'dlq' };

interface StageDefaults {
  memoryMb: number;
  timeoutSeconds: number;
  maxInstances: number;
  concurrency: number;
}

/**
 * Stage defaults. ingest's timeout covers stream-parsing a landed file; ingest and transform run
 * many requests per instance so group commit has deliveries to bundle; the aggregator's
 * instances scale with the partitions (one bundle per partition in flight).
 */
function stageDefaults(p: Pipeline): Record<FunctionStage, StageDefaults> {
  const totalPartitions = p.aggregations.reduce((n, a) => n + a.partitions, 0);
  return {
    ingest: { memoryMb: 512, timeoutSeconds: 300, maxInstances: 20, concurrency: 32 },
    transform: { memoryMb: 512, timeoutSeconds: 120, maxInstances: 20, concurrency: 32 },
    aggregator: {
      memoryMb: 512,
      timeoutSeconds: 120,
      maxInstances: Math.min(100, Math.max(2, Math.ceil(totalPartitions / 4) + 1)),
      concurrency: 4,
    },
    deadletter: { memoryMb: 256, timeoutSeconds: 60, maxInstances: 3, concurrency: 16 },
  };
}

/** Per-subscription delivery policy: ack deadline follows the function timeout; ordered partitions retry sooner. */
const DELIVERY: Record<string, { maxDeliveryAttempts: number; minimumBackoffSeconds: number; maximumBackoffSeconds: number }> = {
  raw: { maxDeliveryAttempts: 10, minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 },
  files: { maxDeliveryAttempts: 10, minimumBackoffSeconds: 30, maximumBackoffSeconds: 600 },
  events: { maxDeliveryAttempts: 10, minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 },
  keyed: { maxDeliveryAttempts: 15, minimumBackoffSeconds: 5, maximumBackoffSeconds: 120 },
  tick: { maxDeliveryAttempts: 5, minimumBackoffSeconds: 10, maximumBackoffSeconds: 60 },
  deadLetter: { maxDeliveryAttempts: 20, minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 },
};

function lifecycle(r: Pipeline['retention']['rawArchive']): LifecycleRule[] {
  const rules: LifecycleRule[] = [];
  if (r.nearlineAfterDays !== undefined) {
    rules.push({ action: { type: 'SetStorageClass', storageClass: 'NEARLINE' }, condition: { age: r.nearlineAfterDays } });
  }
  if (r.coldlineAfterDays !== undefined) {
    rules.push({ action: { type: 'SetStorageClass', storageClass: 'COLDLINE' }, condition: { age: r.coldlineAfterDays } });
  }
  if (r.deleteAfterDays !== undefined) rules.push({ action: { type: 'Delete' }, condition: { age: r.deleteAfterDays } });
  return rules;
}

/** `gs://bucket/object`, where the bucket `{{reference}}` is the deployment's reference-data bucket. */
function resolveGcsUri(uri: string, referenceBucket: string): { bucket: string; object: string } {
  const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  const bucket = m?.[1] ?? '';
  return { bucket: bucket === REFERENCE_BUCKET_PLACEHOLDER ? referenceBucket : bucket, object: m?.[2] ?? '' };
}

/**
 * Every resource of `pipeline` in `opts.project`/`opts.region`.
 * @throws ConfigError when an option is invalid (naming the option and the rule).
 */
export function topologyFor<R extends object>(typedPipeline: Pipeline<R>, opts: TopologyOptions): Topology {
  checkOptions(opts);
  const pipeline = typedPipeline as unknown as Pipeline;
  const { project, region, env } = opts;
  const prefix = opts.prefix ?? '';
  const base = baseName(pipeline.name, prefix || undefined);
  const labels = { pipeline: pipeline.name, managed_by: 'sluice', ...(prefix ? { env_prefix: prefix } : {}) };

  // Topics.
  const topicEntries = (Object.keys(TOPIC_SUFFIX) as TopicRole[]).map((role): [TopicRole, TopicSpec] => {
    const name = `${base}-${TOPIC_SUFFIX[role]}`;
    return [
      role,
      {
        role,
        name,
        path: `projects/${project}/topics/${name}`,
        ...(role === 'parking' ? { messageRetentionSeconds: WEEK_SECONDS } : {}),
        labels: { ...labels, topic_role: role.toLowerCase() },
      },
    ];
  });
  const topics = Object.fromEntries(topicEntries) as Record<TopicRole, TopicSpec>;

  // Identities.
  const serviceAccountId = (code: string): string => fitName(base, code, 30);
  const pushServiceAccountId = serviceAccountId('push');

  // Functions: defaults, then the definition's overrides.
  const defaults = stageDefaults(pipeline);
  const overrides = (stage: FunctionStage): FunctionOverrides =>
    stage === 'deadletter' ? {} : (pipeline.functions?.[stage] ?? {});
  const settings = (stage: FunctionStage): StageDefaults => ({ ...defaults[stage], ...overrides(stage) });

  // Subscriptions: each pushes one topic to one stage.
  const deadLetterTopic = topics.deadLetter;
  const push = (topic: TopicRole, stage: FunctionStage, ordered = false): SubscriptionSpec => {
    const t = topics[topic];
    const d = DELIVERY[topic]!;
    const timeout = settings(stage).timeoutSeconds;
    const dlq = topic === 'deadLetter' ? topics.parking : deadLetterTopic;
    return {
      name: `${t.name}-to-${stage}`,
      path: `projects/${project}/subscriptions/${t.name}-to-${stage}`,
      topic,
      topicName: t.name,
      delivery: { kind: 'push', stage, path: `/projects/${project}/topics/${t.name}`, oidcServiceAccountId: pushServiceAccountId },
      ackDeadlineSeconds: Math.min(600, Math.max(10, timeout)),
      retryPolicy: { minimumBackoffSeconds: d.minimumBackoffSeconds, maximumBackoffSeconds: d.maximumBackoffSeconds },
      deadLetterPolicy: { topic: dlq.role, topicName: dlq.name, topicPath: dlq.path, maxDeliveryAttempts: d.maxDeliveryAttempts },
      enableMessageOrdering: ordered,
      messageRetentionSeconds: WEEK_SECONDS,
      expirationTtl: 'never',
      terminal: false,
      labels: { ...labels, stage },
    };
  };
  const subscriptions: SubscriptionSpec[] = [
    push('raw', 'ingest'),
    push('files', 'ingest'),
    push('events', 'transform'),
    push('keyed', 'aggregator', true),
    push('tick', 'aggregator'),
    push('deadLetter', 'deadletter'),
    {
      name: `${topics.parking.name}-hold`,
      path: `projects/${project}/subscriptions/${topics.parking.name}-hold`,
      topic: 'parking',
      topicName: topics.parking.name,
      delivery: { kind: 'pull' },
      ackDeadlineSeconds: 60,
      enableMessageOrdering: false,
      messageRetentionSeconds: WEEK_SECONDS,
      expirationTtl: 'never',
      terminal: true,
      labels: { ...labels, stage: 'operator' },
    },
  ];

  // BigQuery.
  const datasetId = base.replace(/-/g, '_');
  const tables = tablesFor(pipeline);
  const views = viewsFor(pipeline, project, datasetId, tables);

  // Buckets.
  const bucketName = (suffix: string): string => fitName(`${project}-${base}`, suffix, 63);
  const bucket = (role: BucketRole, suffix: string, rules: LifecycleRule[], notify?: TopicRole): BucketSpec => ({
    role,
    name: bucketName(suffix),
    location: region,
    storageClass: 'STANDARD',
    uniformBucketLevelAccess: true,
    publicAccessPrevention: 'enforced',
    lifecycleRules: rules,
    ...(notify
      ? {
          notification: {
            topic: notify,
            topicName: topics[notify].name,
            topicPath: topics[notify].path,
            eventTypes: ['OBJECT_FINALIZE'] as ['OBJECT_FINALIZE'],
            payloadFormat: 'JSON_API_V1' as const,
          },
        }
      : {}),
    labels: { ...labels, bucket_role: role.toLowerCase() },
  });
  const rawRules = lifecycle(pipeline.retention.rawArchive);
  const buckets: Record<BucketRole, BucketSpec> = {
    rawArchive: bucket('rawArchive', 'raw', rawRules),
    // Landed files are raw data too: they follow the same retention.
    landing: bucket('landing', 'landing', rawRules, 'files'),
    reference: bucket('reference', 'ref', []),
    functionSource: bucket('functionSource', 'source', []),
  };

  // Firestore.
  const root = prefix ? `${prefix}-pipelines` : 'pipelines';
  const doc = `${root}/${pipeline.name}`;
  const firestore = {
    database: '(default)' as const,
    pipelineDocument: doc,
    collections: { partitions: `${doc}/partitions`, ledger: `${doc}/ledger`, schemaRegistry: `${doc}/schema`, files: `${doc}/files` },
    ttlPolicies: [
      { collectionGroup: 'partitions', field: 'expireAt' },
      { collectionGroup: 'ledger', field: 'expireAt' },
      { collectionGroup: 'files', field: 'expireAt' },
    ],
    // Large opaque fields nothing queries: single-field indexes on them would cost index writes
    // and count against the 40,000 index entries a document may have.
    indexExemptions: [
      ...['state', 'stateGz', 'outbox', 'outboxChunks', 'ledgerBuckets'].map((field) => ({ collectionGroup: 'partitions', field })),
      { collectionGroup: 'ledger', field: 'ids' },
      { collectionGroup: 'state', field: 'gz' },
      { collectionGroup: 'outbox', field: 'entries' },
    ],
  };

  // Side inputs (transform reads them).
  const sideInputs: SideInputSpec[] = pipeline.enrichment.map((e) =>
    e.source.kind === 'gcs'
      ? { name: e.name, kind: 'gcs', ...resolveGcsUri(e.source.uri, buckets.reference.name) }
      : { name: e.name, kind: 'bigquery', query: e.source.query.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, t: string) => `\`${project}.${datasetId}.${t}\``) },
  );

  // Scheduler.
  const tick = topics.tick;
  const scheduler = {
    jobs: [
      {
        name: `${base}-tick`,
        schedule: '* * * * *',
        timeZone: 'Etc/UTC' as const,
        intervalSeconds: 60,
        topic: tick.role,
        topicName: tick.name,
        topicPath: tick.path,
        data: encodeTick({ v: 1, kind: 'tick', pipeline: pipeline.name }),
        attributes: { 'sluice-kind': 'tick', 'sluice-pipeline': pipeline.name },
      },
    ],
  };

  // Environment shared by every stage: resource names only, never secrets.
  const sharedEnv: Record<string, string> = {
    SLUICE_ENV: env,
    SLUICE_PIPELINE: pipeline.name,
    SLUICE_PROJECT: project,
    SLUICE_REGION: region,
    SLUICE_DATASET: datasetId,
    SLUICE_TOPIC_EVENTS: topics.events.name,
    SLUICE_TOPIC_KEYED: topics.keyed.name,
    SLUICE_TOPIC_DEAD_LETTER: topics.deadLetter.name,
    SLUICE_BUCKET_RAW: buckets.rawArchive.name,
    SLUICE_BUCKET_LANDING: buckets.landing.name,
    SLUICE_FIRESTORE_ROOT: doc,
    ...(prefix ? { SLUICE_PREFIX: prefix } : {}),
  };
  const hashSecrets = [...new Set(pipeline.pii.flatMap((r) => (r.action === 'hash' ? [r.key.secret] : [])))].sort();
  const usesBigQuerySideInputs = sideInputs.some((s) => s.kind === 'bigquery');

  const access: Record<FunctionStage, FunctionAccess> = {
    ingest: {
      publishes: ['events', 'deadLetter'],
      writesTables: [],
      runsQueries: false,
      buckets: [
        { bucket: 'rawArchive', access: 'write' },
        { bucket: 'landing', access: 'read' },
      ],
      externalObjects: [],
      firestore: true,
      secrets: [],
    },
    transform: {
      publishes: ['keyed', 'deadLetter'],
      writesTables: ['events', 'schema_drift'],
      runsQueries: usesBigQuerySideInputs,
      buckets: sideInputs.some((s) => s.bucket === buckets.reference.name) ? [{ bucket: 'reference', access: 'read' }] : [],
      externalObjects: sideInputs.flatMap((s) => (s.kind === 'gcs' && s.bucket !== buckets.reference.name ? [{ bucket: s.bucket!, object: s.object! }] : [])),
      firestore: true,
      secrets: hashSecrets,
    },
    aggregator: {
      publishes: ['keyed', 'deadLetter'],
      writesTables: [...pipeline.aggregations.map((a) => `${a.name}_panes`), 'late_data'],
      runsQueries: false,
      buckets: [],
      externalObjects: [],
      firestore: true,
      secrets: [],
    },
    deadletter: {
      publishes: ['parking'],
      writesTables: ['dead_letter'],
      runsQueries: false,
      buckets: [],
      externalObjects: [],
      firestore: false,
      secrets: [],
    },
  };

  const stages: FunctionStage[] = ['ingest', 'transform', 'aggregator', 'deadletter'];
  /** Where each stage's entry point lives (the aggregator's folder carries its full name). */
  const SOURCE_DIR: Record<FunctionStage, string> = {
    ingest: 'functions/ingest',
    transform: 'functions/transform',
    aggregator: 'functions/window-aggregator',
    deadletter: 'functions/deadletter',
  };
  const functions = Object.fromEntries(
    stages.map((stage): [FunctionStage, FunctionSpec] => {
      const s = settings(stage);
      return [
        stage,
        {
          stage,
          name: fitName(base, stage, 49),
          entryPoint: stage,
          sourceDir: SOURCE_DIR[stage],
          runtime: FUNCTIONS_RUNTIME,
          memoryMb: s.memoryMb,
          cpu: '1',
          timeoutSeconds: s.timeoutSeconds,
          minInstances: 0,
          maxInstances: s.maxInstances,
          concurrency: s.concurrency,
          serviceAccountId: serviceAccountId(STAGE_CODE[stage]),
          env: { ...sharedEnv, SLUICE_STAGE: stage },
          secretEnv: access[stage].secrets.map((secret) => ({ env: secretEnvVar(secret), secret, version: 'latest' as const })),
          subscriptions: subscriptions.filter((x) => x.delivery.kind === 'push' && x.delivery.stage === stage).map((x) => x.name),
          access: access[stage],
          labels: { ...labels, stage },
        },
      ];
    }),
  ) as Record<FunctionStage, FunctionSpec>;

  const topology: Topology = {
    version: 1,
    pipeline: pipeline.name,
    project,
    region,
    env,
    prefix,
    labels,
    topics,
    subscriptions,
    dataset: {
      id: datasetId,
      location: region,
      description: pipeline.description ?? `sluice pipeline ${pipeline.name}`,
      labels,
      tables,
      views,
    },
    buckets,
    scheduler,
    functions,
    pushServiceAccountId,
    firestore,
    sideInputs,
  };
  assertNames(topology);
  return topology;
}

/** Defence in depth: every derived name satisfies its service's rule (a failure here is a sluice bug). */
function assertNames(t: Topology): void {
  const check = (rule: RegExp, name: string, what: string): void => {
    if (!rule.test(name)) throw new Error(`derived ${what} name ${JSON.stringify(name)} breaks ${rule}`);
  };
  for (const x of Object.values(t.topics)) check(GCP_NAME_RULES.pubsub, x.name, 'topic');
  for (const x of t.subscriptions) check(GCP_NAME_RULES.pubsub, x.name, 'subscription');
  for (const x of Object.values(t.buckets)) check(GCP_NAME_RULES.bucket, x.name, 'bucket');
  for (const x of Object.values(t.functions)) {
    check(GCP_NAME_RULES.function, x.name, 'function');
    check(GCP_NAME_RULES.serviceAccount, x.serviceAccountId, 'service account');
  }
  check(GCP_NAME_RULES.serviceAccount, t.pushServiceAccountId, 'service account');
  check(GCP_NAME_RULES.dataset, t.dataset.id, 'dataset');
  for (const x of [...t.dataset.tables, ...t.dataset.views]) check(GCP_NAME_RULES.table, x.name, 'table');
  for (const j of t.scheduler.jobs) check(GCP_NAME_RULES.schedulerJob, j.name, 'scheduler job');
}
