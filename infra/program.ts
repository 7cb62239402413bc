import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { StageBundle } from './bundle';
import {
  AccessGrants,
  Identities,
  Monitoring,
  PipelineTopic,
  ProjectServices,
  StageFunction,
  StateStore,
  Storage,
  TickSchedule,
  Warehouse,
} from './components';
import type { StackConfig } from './config';
import { observabilityPlan } from './observability';
import type { InfraPlan, PlanStage } from './plan';

/** What `pulumi up` prints and other tools read (`pulumi stack output --json`). */
export interface PipelineOutputs {
  pipeline: string;
  /** Topic id producers publish to (`projects/<p>/topics/<t>`), by topic key. */
  topics: Record<string, pulumi.Output<string>>;
  subscriptions: pulumi.Output<string>[];
  /** Function URLs by stage key. */
  functionUris: Record<string, pulumi.Output<string>>;
  /** Runtime service account email by stage key. */
  serviceAccounts: Record<string, pulumi.Output<string>>;
  pushServiceAccount: pulumi.Output<string>;
  buckets: Record<string, pulumi.Output<string>>;
  dataset: pulumi.Output<string>;
  firestoreDatabase: pulumi.Output<string>;
  tickJob: pulumi.Output<string>;
}

const BASE_APIS = [
  'artifactregistry.googleapis.com',
  'bigquery.googleapis.com',
  'cloudbuild.googleapis.com',
  'cloudfunctions.googleapis.com',
  'cloudresourcemanager.googleapis.com',
  'cloudscheduler.googleapis.com',
  'firestore.googleapis.com',
  'iam.googleapis.com',
  'logging.googleapis.com',
  'monitoring.googleapis.com',
  'pubsub.googleapis.com',
  'run.googleapis.com',
  'storage.googleapis.com',
];

/**
 * Composes the whole pipeline from the stack config, the infrastructure plan and the stage bundles.
 * Order follows the data dependencies: identities → source archives → functions (their URLs) →
 * topics and push subscriptions → data stores with their grants → scheduler and monitoring.
 */
export function deployPipeline(cfg: StackConfig, plan: InfraPlan, bundles: StageBundle[]): PipelineOutputs {
  checkPlan(plan, bundles);
  const project = cfg.project;
  const labels = { 'sluice-pipeline': plan.pipeline, 'managed-by': 'pulumi' };
  const grant = (s: PlanStage, fn: StageFunction) => ({ name: s.key, member: fn.member });

  const secretIds = (s: PlanStage) => s.access.secrets.map((x) => cfg.hmacKeySecret ?? x.secretId);
  const anySecrets = plan.stages.some((s) => s.access.secrets.length > 0);
  const apis = new ProjectServices('apis', {
    project,
    services: [
      ...BASE_APIS,
      ...(anySecrets ? ['secretmanager.googleapis.com'] : []),
      ...(cfg.budget ? ['billingbudgets.googleapis.com'] : []),
      ...(cfg.queryUsageLimitMiBPerDay !== undefined ? ['serviceusage.googleapis.com'] : []),
    ],
  });
  const afterApis = { dependsOn: apis.enabled };

  const projectNumber = gcp.organizations.getProjectOutput({ projectId: project }).apply((p) => {
    if (!p.number) throw new Error(`could not read the project number of ${project}; check gcp:project and your credentials`);
    return p.number;
  });
  const pubsubAgent = pulumi.interpolate`service-${projectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com`;
  const gcsAgent = gcp.storage.getProjectServiceAccountOutput({ project }).emailAddress;

  const identities = new Identities('identities', { project, prefix: plan.prefix, pubsubServiceAgentEmail: pubsubAgent }, afterApis);

  const source = new Storage(
    'source',
    {
      project,
      location: cfg.region,
      protectData: false,
      labels,
      buckets: [{ key: 'source', bucketName: `${project}-${plan.prefix}-source`, lifecycle: {}, objectCreators: [], objectViewers: [] }],
    },
    afterApis,
  );
  const sourceBucket = source.buckets.get('source')!.name;

  // Functions
  const bundleByName = new Map(bundles.map((b) => [b.name, b]));
  const functions = new Map<string, StageFunction>();
  for (const s of plan.stages) {
    const bundle = bundleByName.get(s.bundle)!;
    const secrets = s.access.secrets.map((x) => ({ key: x.envVar, secret: cfg.hmacKeySecret ?? x.secretId, version: 'latest' }));
    functions.set(
      s.key,
      new StageFunction(
        s.key,
        {
          project,
          region: cfg.region,
          functionName: s.functionName,
          description: `sluice ${plan.pipeline}: ${s.key}`,
          sourceBucket,
          archiveDir: bundle.dir,
          archiveHash: bundle.hash,
          entryPoint: s.entryPoint,
          runtime: s.runtime,
          memoryMiB: s.memoryMiB,
          cpu: s.cpu,
          timeoutSeconds: s.timeoutSeconds,
          maxInstances: s.maxInstances,
          minInstances: s.minInstances,
          concurrency: s.concurrency,
          environment: s.environment,
          secretEnvironment: secrets,
          invokerMembers: [{ name: 'push', member: identities.pushMember }],
          buildServiceAccount: identities.buildServiceAccount.name,
          labels,
        },
        { dependsOn: [...apis.enabled, identities] },
      ),
    );
  }

  // Topics, created dead-letter targets first so subscriptions can reference them.
  const deadLetterKeys = new Set(plan.pushSubscriptions.map((s) => s.deadLetterTopic));
  const notificationKeys = new Set(plan.buckets.flatMap((b) => (b.finalizeNotificationTopic ? [b.finalizeNotificationTopic] : [])));
  const ordered = [...plan.topics].sort((a, b) => Number(deadLetterKeys.has(b.key)) - Number(deadLetterKeys.has(a.key)));
  const topics = new Map<string, PipelineTopic>();
  for (const t of ordered) {
    const publishers = plan.stages
      .filter((s) => s.access.publishesTo.includes(t.key))
      .map((s) => grant(s, functions.get(s.key)!));
    if (deadLetterKeys.has(t.key)) publishers.push({ name: 'pubsub-agent', member: pulumi.interpolate`serviceAccount:${pubsubAgent}` });
    if (notificationKeys.has(t.key)) publishers.push({ name: 'gcs-agent', member: pulumi.interpolate`serviceAccount:${gcsAgent}` });
    topics.set(
      t.key,
      new PipelineTopic(
        t.key,
        {
          project,
          topicName: t.name,
          ...(t.messageRetentionDuration ? { messageRetentionDuration: t.messageRetentionDuration } : {}),
          labels,
          publishers,
          pubsubServiceAgentEmail: pubsubAgent,
          pushSubscriptions: plan.pushSubscriptions
            .filter((s) => s.topic === t.key)
            .map((s) => {
              const fn = functions.get(s.stage)!;
              return {
                name: s.name,
                pushEndpoint: pulumi.interpolate`${fn.uri}${s.pushPath}`,
                oidcServiceAccountEmail: identities.pushServiceAccount.email,
                oidcAudience: fn.uri,
                ackDeadlineSeconds: s.ackDeadlineSeconds,
                retry: s.retry,
                deadLetter: { topicId: topics.get(s.deadLetterTopic)!.topicId, maxDeliveryAttempts: s.maxDeliveryAttempts },
                enableMessageOrdering: s.enableMessageOrdering,
                messageRetentionDuration: s.messageRetentionDuration,
              };
            }),
          pullSubscriptions: plan.pullSubscriptions.filter((s) => s.topic === t.key),
        },
        afterApis,
      ),
    );
  }

  // Data
  const storage = new Storage(
    'data',
    {
      project,
      location: cfg.region,
      protectData: cfg.protectData,
      labels,
      buckets: plan.buckets.map((b) => {
        const topic = b.finalizeNotificationTopic ? topics.get(b.finalizeNotificationTopic)! : undefined;
        return {
          key: b.key,
          bucketName: b.name,
          lifecycle: b.lifecycle,
          objectCreators: plan.stages.filter((s) => s.access.bucketsWrite.includes(b.key)).map((s) => grant(s, functions.get(s.key)!)),
          objectViewers: plan.stages.filter((s) => s.access.bucketsRead.includes(b.key)).map((s) => grant(s, functions.get(s.key)!)),
          ...(topic
            ? { finalizeNotificationTopic: topic.topicId, notificationDependsOn: [topic.publisherBindings.get('gcs-agent')!] }
            : {}),
        };
      }),
    },
    afterApis,
  );

  const warehouse = new Warehouse(
    'warehouse',
    {
      project,
      location: cfg.bigqueryLocation,
      datasetId: plan.warehouse.datasetId,
      description: plan.warehouse.description,
      ...(plan.warehouse.defaultPartitionExpirationMs !== undefined
        ? { defaultPartitionExpirationMs: plan.warehouse.defaultPartitionExpirationMs }
        : {}),
      tables: plan.warehouse.tables,
      views: plan.warehouse.views,
      dataEditors: plan.stages.filter((s) => s.access.bigqueryWrite).map((s) => grant(s, functions.get(s.key)!)),
      dataViewers: plan.stages.filter((s) => s.access.bigqueryQuery).map((s) => grant(s, functions.get(s.key)!)),
      protectData: cfg.protectData,
      labels,
    },
    afterApis,
  );

  const state = new StateStore(
    'state',
    {
      project,
      locationId: cfg.firestoreLocation,
      databaseName: plan.stateStore.databaseName,
      indexes: plan.stateStore.indexes,
      ttlPolicies: plan.stateStore.ttlPolicies,
      users: plan.stages.filter((s) => s.access.firestore).map((s) => grant(s, functions.get(s.key)!)),
      protectData: cfg.protectData,
    },
    afterApis,
  );

  const secretMembers = new Map<string, { name: string; member: pulumi.Output<string> }[]>();
  const externalViewers = new Map<string, { name: string; member: pulumi.Output<string> }[]>();
  for (const s of plan.stages) {
    for (const id of secretIds(s)) secretMembers.set(id, [...(secretMembers.get(id) ?? []), grant(s, functions.get(s.key)!)]);
    for (const b of s.access.externalBucketsRead) externalViewers.set(b, [...(externalViewers.get(b) ?? []), grant(s, functions.get(s.key)!)]);
  }
  new AccessGrants(
    'access',
    {
      project,
      jobUsers: plan.stages.filter((s) => s.access.bigqueryQuery).map((s) => grant(s, functions.get(s.key)!)),
      secretAccessors: [...secretMembers].map(([secretId, members]) => ({ secretId, members })),
      externalBucketViewers: [...externalViewers].map(([bucket, members]) => ({ bucket, members })),
    },
    afterApis,
  );

  const tick = new TickSchedule(
    'tick',
    {
      project,
      region: cfg.region,
      jobName: plan.tick.jobName,
      schedule: plan.tick.schedule,
      timeZone: plan.tick.timeZone,
      topicId: topics.get(plan.tick.topic)!.topicId,
      payload: plan.tick.payload,
      attributes: plan.tick.attributes,
    },
    afterApis,
  );

  const deadLetterTopic = plan.topics.find((t) => deadLetterKeys.has(t.key))!;
  const obs = observabilityPlan({
    prefix: plan.prefix,
    pipeline: plan.pipeline,
    functionNames: plan.stages.map((s) => s.functionName),
    deadLetterTopicName: deadLetterTopic.name,
    pushSubscriptionNames: plan.pushSubscriptions.map((s) => s.name),
    thresholds: cfg.alerts,
  });
  new Monitoring(
    'monitoring',
    {
      project,
      displayPrefix: plan.prefix,
      logMetrics: obs.logMetrics,
      alerts: obs.alerts,
      emails: cfg.alertEmails,
      webhooks: cfg.chatWebhooks,
      ...(cfg.budget ? { budget: { ...cfg.budget, projectNumber } } : {}),
      ...(cfg.queryUsageLimitMiBPerDay !== undefined ? { queryUsageLimitMiBPerDay: cfg.queryUsageLimitMiBPerDay } : {}),
    },
    afterApis,
  );

  const record = <T>(m: Map<string, T>, f: (v: T) => pulumi.Output<string>) => Object.fromEntries([...m].map(([k, v]) => [k, f(v)]));
  return {
    pipeline: plan.pipeline,
    topics: record(topics, (t) => t.topicId),
    subscriptions: [...topics.values()].flatMap((t) => t.subscriptions.map((s) => s.id)),
    functionUris: record(functions, (f) => f.uri),
    serviceAccounts: record(functions, (f) => f.serviceAccount.email),
    pushServiceAccount: identities.pushServiceAccount.email,
    buckets: record(storage.buckets, (b) => b.name),
    dataset: warehouse.dataset.datasetId,
    firestoreDatabase: state.databaseName,
    tickJob: tick.job.name,
  };
}

/** Cross-references of the plan, checked before anything is registered. */
export function checkPlan(plan: InfraPlan, bundles: StageBundle[]): void {
  const topicKeys = new Set(plan.topics.map((t) => t.key));
  const stageKeys = new Set(plan.stages.map((s) => s.key));
  const bucketKeys = new Set(plan.buckets.map((b) => b.key));
  const bundleNames = new Set(bundles.map((b) => b.name));
  const fail = (msg: string): never => {
    throw new Error(`infra plan for ${plan.pipeline}: ${msg}`);
  };
  for (const s of plan.pushSubscriptions) {
    if (!topicKeys.has(s.topic)) fail(`subscription ${s.name} reads unknown topic "${s.topic}"`);
    if (!topicKeys.has(s.deadLetterTopic)) fail(`subscription ${s.name} dead-letters to unknown topic "${s.deadLetterTopic}"`);
    if (s.deadLetterTopic === s.topic) fail(`subscription ${s.name} dead-letters to its own topic`);
    if (!stageKeys.has(s.stage)) fail(`subscription ${s.name} pushes to unknown stage "${s.stage}"`);
    if (!s.pushPath.startsWith('/')) fail(`subscription ${s.name}: pushPath must start with "/"; got "${s.pushPath}"`);
    const fn = plan.stages.find((x) => x.key === s.stage)!;
    if (s.ackDeadlineSeconds < Math.min(fn.timeoutSeconds, 600)) {
      fail(`subscription ${s.name}: ackDeadlineSeconds (${s.ackDeadlineSeconds}) must be ≥ ${fn.key}'s timeout (${fn.timeoutSeconds}s), or Pub/Sub redelivers work still in progress`);
    }
  }
  for (const s of plan.pullSubscriptions) if (!topicKeys.has(s.topic)) fail(`subscription ${s.name} reads unknown topic "${s.topic}"`);
  for (const d of new Set(plan.pushSubscriptions.map((s) => s.deadLetterTopic))) {
    if (!plan.pullSubscriptions.some((s) => s.topic === d)) {
      fail(`dead-letter topic "${d}" has no subscription: Pub/Sub discards messages published to a topic nobody subscribes to`);
    }
  }
  for (const st of plan.stages) {
    if (!bundleNames.has(st.bundle)) fail(`stage ${st.key} deploys bundle "${st.bundle}", which was not built`);
    for (const t of st.access.publishesTo) if (!topicKeys.has(t)) fail(`stage ${st.key} publishes to unknown topic "${t}"`);
    for (const b of [...st.access.bucketsWrite, ...st.access.bucketsRead]) if (!bucketKeys.has(b)) fail(`stage ${st.key} uses unknown bucket "${b}"`);
  }
  for (const b of plan.buckets) {
    if (b.finalizeNotificationTopic && !topicKeys.has(b.finalizeNotificationTopic)) fail(`bucket ${b.key} notifies unknown topic "${b.finalizeNotificationTopic}"`);
  }
  if (!topicKeys.has(plan.tick.topic)) fail(`tick publishes to unknown topic "${plan.tick.topic}"`);
  if (plan.pushSubscriptions.length === 0) fail('no push subscriptions: nothing would reach the stages');
}
