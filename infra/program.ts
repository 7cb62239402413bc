import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { baseName, fitName, pushEndpoint } from '../shared/topology';
import type { FunctionSpec, LifecycleRule, SubscriptionSpec, TopicRole, Topology } from '../shared/topology';
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
  type LifecycleArgs,
  type PushSubscriptionArgs,
  type TopicPublisher,
} from './components';
import type { StackConfig } from './config';
import { observabilityPlan } from './observability';

/** What `pulumi up` prints and other tools read (`pulumi stack output --json`). */
export interface PipelineOutputs {
  pipeline: string;
  /** Where producers publish (`projects/<p>/topics/<t>`). */
  rawTopic: pulumi.Output<string>;
  /** Where batch files are dropped. */
  landingBucket: pulumi.Output<string>;
  /** Topic ids by topology role. */
  topics: Record<string, pulumi.Output<string>>;
  subscriptions: pulumi.Output<string>[];
  /** Function URLs by stage. */
  functionUris: Record<string, pulumi.Output<string>>;
  /** Runtime service-account emails by stage. */
  serviceAccounts: Record<string, pulumi.Output<string>>;
  pushServiceAccount: pulumi.Output<string>;
  buckets: Record<string, pulumi.Output<string>>;
  dataset: pulumi.Output<string>;
  firestoreDatabase: pulumi.Output<string>;
  schedulerJobs: pulumi.Output<string>[];
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

type Member = { name: string; member: pulumi.Output<string> };

/**
 * Provisions one pipeline from its topology. Order follows the data dependencies: identities →
 * source archives → functions (whose URLs the push subscriptions need) → topics and subscriptions
 * → data stores with their grants → scheduler and monitoring. Every role a stage holds derives from
 * its `access` in the topology and nothing else.
 */
export function deployPipeline(cfg: StackConfig, topo: Topology, bundles: StageBundle[]): PipelineOutputs {
  checkTopology(topo, bundles);
  const project = topo.project;
  const labels = topo.labels;
  const stages = Object.values(topo.functions);
  const secretOf = (id: string): string => cfg.hmacKeySecret ?? id;

  const apis = new ProjectServices('apis', {
    project,
    services: [
      ...BASE_APIS,
      ...(stages.some((s) => s.secretEnv.length > 0) ? ['secretmanager.googleapis.com'] : []),
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

  const base = baseName(topo.pipeline, topo.prefix || undefined);
  const identities = new Identities(
    'identities',
    {
      project,
      prefix: base,
      pushAccountId: topo.pushServiceAccountId,
      buildAccountId: fitName(base, 'bld', 30),
      pubsubServiceAgentEmail: pubsubAgent,
    },
    afterApis,
  );

  const sourceSpec = topo.buckets.functionSource;
  const source = new Storage(
    'source',
    {
      project,
      location: sourceSpec.location,
      protectData: false,
      labels: sourceSpec.labels,
      buckets: [{ key: 'functionSource', bucketName: sourceSpec.name, lifecycle: lifecycleArgs(sourceSpec.lifecycleRules), objectCreators: [], objectViewers: [] }],
    },
    afterApis,
  );
  const sourceBucket = source.buckets.get('functionSource')!.name;

  // Functions, one per stage, each with its own identity.
  const bundleByStage = new Map(bundles.map((b) => [b.name, b]));
  const functions = new Map<string, StageFunction>();
  for (const f of stages) {
    const bundle = bundleByStage.get(f.stage)!;
    functions.set(
      f.stage,
      new StageFunction(
        f.stage,
        {
          project,
          region: topo.region,
          functionName: f.name,
          serviceAccountId: f.serviceAccountId,
          description: `sluice ${topo.pipeline}: ${f.stage}`,
          sourceBucket,
          archiveDir: bundle.dir,
          archiveHash: bundle.hash,
          entryPoint: f.entryPoint,
          runtime: f.runtime,
          memoryMiB: f.memoryMb,
          cpu: f.cpu,
          timeoutSeconds: f.timeoutSeconds,
          maxInstances: f.maxInstances,
          minInstances: f.minInstances,
          concurrency: f.concurrency,
          environment: f.env,
          secretEnvironment: f.secretEnv.map((s) => ({ key: s.env, secret: secretOf(s.secret), version: s.version })),
          invokerMembers: [{ name: 'push', member: identities.pushMember }],
          buildServiceAccount: identities.buildServiceAccount.name,
          labels: f.labels,
        },
        { dependsOn: [...apis.enabled, identities] },
      ),
    );
  }
  const member = (f: FunctionSpec): Member => ({ name: f.stage, member: functions.get(f.stage)!.member });
  const membersWhere = (pred: (f: FunctionSpec) => boolean): Member[] => stages.filter(pred).map(member);

  // Topics, each created after the dead-letter topics its subscriptions point at.
  const deadLetterTargets = new Set(topo.subscriptions.flatMap((s) => (s.deadLetterPolicy ? [s.deadLetterPolicy.topic] : [])));
  const notified = new Set(Object.values(topo.buckets).flatMap((b) => (b.notification ? [b.notification.topic] : [])));
  const topics = new Map<TopicRole, PipelineTopic>();
  for (const role of topicCreationOrder(topo)) {
    const t = topo.topics[role];
    const publishers: TopicPublisher[] = membersWhere((f) => f.access.publishes.includes(role));
    if (deadLetterTargets.has(role)) publishers.push({ name: 'pubsub-agent', member: pulumi.interpolate`serviceAccount:${pubsubAgent}` });
    if (notified.has(role)) publishers.push({ name: 'gcs-agent', member: pulumi.interpolate`serviceAccount:${gcsAgent}` });
    const subs = topo.subscriptions.filter((s) => s.topic === role);
    topics.set(
      role,
      new PipelineTopic(
        role,
        {
          project,
          topicName: t.name,
          ...(t.messageRetentionSeconds !== undefined ? { messageRetentionDuration: `${t.messageRetentionSeconds}s` } : {}),
          labels: t.labels,
          publishers,
          pubsubServiceAgentEmail: pubsubAgent,
          pushSubscriptions: subs.flatMap((s) => (s.delivery.kind === 'push' ? [pushArgs(s, topics, functions, identities)] : [])),
          pullSubscriptions: subs
            .filter((s) => s.delivery.kind === 'pull')
            .map((s) => ({
              name: s.name,
              ackDeadlineSeconds: s.ackDeadlineSeconds,
              messageRetentionDuration: `${s.messageRetentionSeconds}s`,
              ...(s.retryPolicy ? { retry: s.retryPolicy } : {}),
            })),
        },
        afterApis,
      ),
    );
  }

  // Data.
  const dataBuckets = Object.values(topo.buckets).filter((b) => b.role !== 'functionSource');
  const bucketUsers = (role: string, kinds: string[]): Member[] =>
    membersWhere((f) => f.access.buckets.some((b) => b.bucket === role && kinds.includes(b.access)));
  const storage = new Storage(
    'data',
    {
      project,
      location: topo.region,
      protectData: cfg.protectData,
      labels,
      buckets: dataBuckets.map((b) => {
        const topic = b.notification ? topics.get(b.notification.topic)! : undefined;
        return {
          key: b.role,
          bucketName: b.name,
          lifecycle: lifecycleArgs(b.lifecycleRules),
          objectCreators: bucketUsers(b.role, ['write', 'readWrite']),
          objectViewers: bucketUsers(b.role, ['read', 'readWrite']),
          ...(topic ? { finalizeNotificationTopic: topic.topicId, notificationDependsOn: [topic.publisherBindings.get('gcs-agent')!] } : {}),
        };
      }),
    },
    afterApis,
  );

  const ds = topo.dataset;
  const warehouse = new Warehouse(
    'warehouse',
    {
      project,
      location: ds.location,
      datasetId: ds.id,
      description: ds.description,
      tables: ds.tables.map((t) => ({
        tableId: t.name,
        description: t.description,
        schema: t.schema,
        partitioning: t.timePartitioning,
        clustering: t.clustering,
        requirePartitionFilter: false,
      })),
      views: ds.views.map((v) => ({ tableId: v.name, description: v.description, query: v.sql, dependsOn: v.dependsOn })),
      tableWriters: stages.flatMap((f) => f.access.writesTables.map((table) => ({ table, ...member(f) }))),
      dataViewers: membersWhere((f) => f.access.runsQueries),
      protectData: cfg.protectData,
      labels: ds.labels,
    },
    afterApis,
  );

  const state = new StateStore(
    'state',
    {
      project,
      locationId: cfg.firestoreLocation,
      databaseName: topo.firestore.database,
      createDatabase: cfg.createFirestoreDatabase,
      indexes: [],
      ttlPolicies: topo.firestore.ttlPolicies.map((p) => ({ collection: p.collectionGroup, field: p.field })),
      indexExemptions: topo.firestore.indexExemptions.map((p) => ({ collection: p.collectionGroup, field: p.field })),
      users: membersWhere((f) => f.access.firestore),
      protectData: cfg.protectData,
    },
    afterApis,
  );

  const secretReaders = new Map<string, Member[]>();
  const externalReaders = new Map<string, Member[]>();
  for (const f of stages) {
    for (const id of f.access.secrets) secretReaders.set(secretOf(id), [...(secretReaders.get(secretOf(id)) ?? []), member(f)]);
    for (const bucket of new Set(f.access.externalObjects.map((o) => o.bucket))) {
      externalReaders.set(bucket, [...(externalReaders.get(bucket) ?? []), member(f)]);
    }
  }
  new AccessGrants(
    'access',
    {
      project,
      jobUsers: membersWhere((f) => f.access.runsQueries),
      secretAccessors: [...secretReaders].map(([secretId, members]) => ({ secretId, members })),
      externalBucketViewers: [...externalReaders].map(([bucket, members]) => ({ bucket, members })),
    },
    afterApis,
  );

  const jobs = topo.scheduler.jobs.map(
    (j) =>
      new TickSchedule(
        j.name,
        {
          project,
          region: topo.region,
          jobName: j.name,
          schedule: j.schedule,
          timeZone: j.timeZone,
          topicId: topics.get(j.topic)!.topicId,
          data: j.data,
          attributes: j.attributes,
        },
        afterApis,
      ),
  );

  const obs = observabilityPlan({
    prefix: base,
    pipeline: topo.pipeline,
    functionNames: stages.map((f) => f.name),
    deadLetterTopicNames: [...deadLetterTargets].map((r) => topo.topics[r].name),
    pushSubscriptionNames: topo.subscriptions.filter((s) => s.delivery.kind === 'push').map((s) => s.name),
    thresholds: cfg.alerts,
  });
  new Monitoring(
    'monitoring',
    {
      project,
      displayPrefix: base,
      logMetrics: obs.logMetrics,
      alerts: obs.alerts,
      emails: cfg.alertEmails,
      webhooks: cfg.chatWebhooks,
      ...(cfg.budget ? { budget: { ...cfg.budget, projectNumber } } : {}),
      ...(cfg.queryUsageLimitMiBPerDay !== undefined ? { queryUsageLimitMiBPerDay: cfg.queryUsageLimitMiBPerDay } : {}),
    },
    afterApis,
  );

  const byKey = <K, T>(m: Map<K, T>, f: (v: T) => pulumi.Output<string>) => Object.fromEntries([...m].map(([k, v]) => [String(k), f(v)]));
  return {
    pipeline: topo.pipeline,
    rawTopic: topics.get('raw')!.topicId,
    landingBucket: storage.buckets.get('landing')!.name,
    topics: byKey(topics, (t) => t.topicId),
    subscriptions: [...topics.values()].flatMap((t) => t.subscriptions.map((s) => s.id)),
    functionUris: byKey(functions, (f) => f.uri),
    serviceAccounts: byKey(functions, (f) => f.serviceAccount.email),
    pushServiceAccount: identities.pushServiceAccount.email,
    buckets: { ...byKey(storage.buckets, (b) => b.name), functionSource: sourceBucket },
    dataset: warehouse.dataset.datasetId,
    firestoreDatabase: state.databaseName,
    schedulerJobs: jobs.map((j) => j.job.name),
  };
}

function pushArgs(
  s: SubscriptionSpec,
  topics: Map<TopicRole, PipelineTopic>,
  functions: Map<string, StageFunction>,
  identities: Identities,
): PushSubscriptionArgs {
  if (s.delivery.kind !== 'push') throw new Error(`${s.name} is not a push subscription`);
  const fn = functions.get(s.delivery.stage)!;
  const path = s.delivery.path;
  return {
    name: s.name,
    // The same composition the local stack uses, with the function URL as the base.
    pushEndpoint: fn.uri.apply((uri) => pushEndpoint(uri, path)),
    oidcServiceAccountEmail: identities.pushServiceAccount.email,
    oidcAudience: fn.uri,
    ackDeadlineSeconds: s.ackDeadlineSeconds,
    retry: s.retryPolicy!,
    deadLetter: { topicId: topics.get(s.deadLetterPolicy!.topic)!.topicId, maxDeliveryAttempts: s.deadLetterPolicy!.maxDeliveryAttempts },
    enableMessageOrdering: s.enableMessageOrdering,
    messageRetentionDuration: `${s.messageRetentionSeconds}s`,
  };
}

/** Topics ordered so each comes after the dead-letter topics of its subscriptions (they are referenced by id). */
export function topicCreationOrder(topo: Topology): TopicRole[] {
  const roles = Object.keys(topo.topics) as TopicRole[];
  const after = (role: TopicRole): TopicRole[] =>
    topo.subscriptions.filter((s) => s.topic === role && s.deadLetterPolicy).map((s) => s.deadLetterPolicy!.topic);
  const order: TopicRole[] = [];
  const state = new Map<TopicRole, 'visiting' | 'done'>();
  const visit = (role: TopicRole, path: TopicRole[]): void => {
    if (state.get(role) === 'done') return;
    if (state.get(role) === 'visiting') throw new Error(`topology ${topo.pipeline}: dead-letter cycle ${[...path, role].join(' → ')}`);
    state.set(role, 'visiting');
    for (const dep of after(role)) visit(dep, [...path, role]);
    state.set(role, 'done');
    order.push(role);
  };
  for (const r of roles) visit(r, []);
  return order;
}

/** The topology's lifecycle rules in the Storage component's form. */
function lifecycleArgs(rules: LifecycleRule[]): LifecycleArgs {
  const out: LifecycleArgs = {};
  for (const r of rules) {
    if (r.action.type === 'Delete') out.deleteAfterDays = r.condition.age;
    else if (r.action.storageClass === 'NEARLINE') out.nearlineAfterDays = r.condition.age;
    else out.coldlineAfterDays = r.condition.age;
  }
  return out;
}

/** Cross-references and delivery rules of the topology, checked before anything is registered. */
export function checkTopology(topo: Topology, bundles: StageBundle[]): void {
  const fail = (msg: string): never => {
    throw new Error(`topology of ${topo.pipeline}: ${msg}`);
  };
  if (topo.env !== 'cloud') fail(`env is "${topo.env}"; the Pulumi program deploys the cloud topology (topologyFor(…, {env: 'cloud'}))`);
  const bundleNames = new Set(bundles.map((b) => b.name));
  for (const s of topo.subscriptions) {
    if (!topo.topics[s.topic]) fail(`subscription ${s.name} reads unknown topic "${s.topic}"`);
    if (s.terminal) {
      if (s.delivery.kind !== 'pull') fail(`terminal subscription ${s.name} must be a pull subscription`);
      continue;
    }
    if (!s.deadLetterPolicy) fail(`subscription ${s.name} has no dead-letter policy`);
    if (!s.retryPolicy) fail(`subscription ${s.name} has no retry policy`);
    if (!topo.topics[s.deadLetterPolicy!.topic]) fail(`subscription ${s.name} dead-letters to unknown topic "${s.deadLetterPolicy!.topic}"`);
    if (s.deadLetterPolicy!.topic === s.topic) fail(`subscription ${s.name} dead-letters to its own topic`);
    if (s.delivery.kind === 'push') {
      const fn = topo.functions[s.delivery.stage];
      if (!fn) fail(`subscription ${s.name} pushes to unknown stage "${s.delivery.stage}"`);
      if (!s.delivery.path.startsWith('/')) fail(`subscription ${s.name}: push path must start with "/"; got "${s.delivery.path}"`);
      if (s.ackDeadlineSeconds < Math.min(fn!.timeoutSeconds, 600)) {
        fail(`subscription ${s.name}: ackDeadlineSeconds (${s.ackDeadlineSeconds}) must be ≥ ${fn!.stage}'s timeout (${fn!.timeoutSeconds}s), or Pub/Sub redelivers work still in progress`);
      }
    }
  }
  const subscribed = new Set(topo.subscriptions.map((s) => s.topic));
  for (const s of topo.subscriptions) {
    const d = s.deadLetterPolicy?.topic;
    if (d && !subscribed.has(d)) fail(`dead-letter topic "${d}" has no subscription: Pub/Sub discards messages published to a topic nobody subscribes to`);
  }
  for (const f of Object.values(topo.functions)) {
    if (!bundleNames.has(f.stage)) fail(`stage ${f.stage} has no bundle (expected one built from ${f.sourceDir}/index.ts)`);
    for (const t of f.access.publishes) if (!topo.topics[t]) fail(`stage ${f.stage} publishes to unknown topic "${t}"`);
    for (const b of f.access.buckets) if (!topo.buckets[b.bucket]) fail(`stage ${f.stage} uses unknown bucket "${b.bucket}"`);
    for (const t of f.access.writesTables) {
      if (!topo.dataset.tables.some((x) => x.name === t)) fail(`stage ${f.stage} writes to "${t}", which is not a table of ${topo.dataset.id}`);
    }
  }
  if (!topo.topics.raw) fail('no raw topic: producers would have nowhere to publish');
  if (!topo.buckets.landing) fail('no landing bucket');
}
