/**
 * The whole Pulumi program (`infra/index.ts`), run once per example pipeline against Pulumi's mocks:
 * stack config in, every registered resource checked against the invariants, the pipeline
 * definition and the topology the local stack uses.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pipelineNames, pipelines } from '../../pipelines';
import { FUNCTIONS_RUNTIME, topologyFor, type Topology } from '../../shared/topology';
import { assertSecurityInvariants, assertSubscriptionInvariants, grantsOf } from './invariants';
import { GCS_AGENT, ofType, PROJECT, PUBSUB_AGENT, recordResources, runProgram, type Registered } from './mocks';

const REGION = 'europe-west1';
const work = mkdtempSync(join(tmpdir(), 'sluice-stack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Prebuilt bundles, so the test does not depend on the stages' code. */
function fakeBundles(stages: string[]): string {
  for (const s of stages) {
    mkdirSync(join(work, s), { recursive: true });
    writeFileSync(join(work, s, 'index.js'), `export const ${s} = () => {};\n`);
    writeFileSync(join(work, s, 'package.json'), '{"type":"module","main":"index.js","dependencies":{}}\n');
    writeFileSync(join(work, s, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"":{}}}\n');
  }
  return work;
}

/**
 * What each example's definition says, restated by hand (not derived from the topology). A
 * registered pipeline without an entry is held to the invariants every pipeline must meet.
 */
const EXPECTED: Partial<Record<string, {
  eventsClustering: string[];
  aggregations: string[];
  retentionDays: { events: number; panes: number; deadLetter: number; lateData: number; schemaDrift: number };
  transformSecrets: string[];
  transformReadBuckets: string[];
}>> = {
  'iot-sensors': {
    eventsClustering: ['device_id'], aggregations: ['device_minute'],
    retentionDays: { events: 400, panes: 730, deadLetter: 30, lateData: 90, schemaDrift: 365 },
    transformSecrets: [], transformReadBuckets: ['sluice-test-iot-sensors-ref'],
  },
  clickstream: {
    eventsClustering: ['user_email', 'page'], aggregations: ['user_sessions', 'page_traffic'],
    retentionDays: { events: 180, panes: 400, deadLetter: 30, lateData: 30, schemaDrift: 365 },
    transformSecrets: ['clickstream-pii-hmac'], transformReadBuckets: [],
  },
};

it('restates only registered pipelines', () => {
  expect(pipelineNames()).toEqual(expect.arrayContaining(Object.keys(EXPECTED)));
});

describe.each(pipelineNames())('pulumi program for %s', (name) => {
  let all: Registered[];
  let outputs: Record<string, unknown>;
  let cloud: Topology;
  let local: Topology;
  const days = (n: number) => n * 86_400_000;

  beforeAll(async () => {
    cloud = topologyFor(pipelines[name]!, { project: PROJECT, region: REGION, env: 'cloud' });
    local = topologyFor(pipelines[name]!, { project: PROJECT, region: REGION, env: 'local' });
    ({ all, outputs } = await runProgram(
      {
        'gcp:project': PROJECT,
        'gcp:region': REGION,
        'sluice:pipeline': name,
        'sluice:archiveDir': fakeBundles(Object.keys(cloud.functions)),
        'sluice:alertEmails': '["oncall@example.com"]',
        'sluice:chatWebhooks': '{"oncall":"https://chat.example/hook?token=t"}',
        'sluice:billingAccount': '012345-6789AB-CDEF01',
        'sluice:monthlyBudget': '50',
        'sluice:queryUsageLimitMiBPerDay': '1048576',
      },
      ['sluice:chatWebhooks'],
    ));
  });

  it('registers the topology the local stack creates: same topics, subscriptions and delivery policies', () => {
    const topicPath = (t: string) => `projects/${PROJECT}/topics/${t}`;
    const registered = ofType(all, 'gcp:pubsub/subscription:Subscription').map((s) => ({
      name: s.inputs.name,
      topic: s.inputs.topic,
      push: s.inputs.pushConfig ? new URL(s.inputs.pushConfig.pushEndpoint).pathname : null,
      ackDeadlineSeconds: s.inputs.ackDeadlineSeconds,
      retry: s.inputs.retryPolicy ? [s.inputs.retryPolicy.minimumBackoff, s.inputs.retryPolicy.maximumBackoff] : null,
      deadLetter: s.inputs.deadLetterPolicy ? [s.inputs.deadLetterPolicy.deadLetterTopic, s.inputs.deadLetterPolicy.maxDeliveryAttempts] : null,
      ordered: s.inputs.enableMessageOrdering ?? false,
      retention: s.inputs.messageRetentionDuration,
    }));
    const fromTopology = (t: Topology) =>
      t.subscriptions.map((s) => ({
        name: s.name,
        topic: topicPath(s.topicName),
        push: s.delivery.kind === 'push' ? s.delivery.path : null,
        ackDeadlineSeconds: s.ackDeadlineSeconds,
        retry: s.retryPolicy ? [`${s.retryPolicy.minimumBackoffSeconds}s`, `${s.retryPolicy.maximumBackoffSeconds}s`] : null,
        deadLetter: s.deadLetterPolicy ? [s.deadLetterPolicy.topicPath, s.deadLetterPolicy.maxDeliveryAttempts] : null,
        ordered: s.enableMessageOrdering,
        retention: `${s.messageRetentionSeconds}s`,
      }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(registered.sort(byName)).toEqual(fromTopology(cloud).sort(byName));
    expect(fromTopology(local).sort(byName)).toEqual(fromTopology(cloud).sort(byName));
    expect(ofType(all, 'gcp:pubsub/topic:Topic').map((t) => t.inputs.name).sort()).toEqual(Object.values(local.topics).map((t) => t.name).sort());
    expect(ofType(all, 'gcp:storage/bucket:Bucket').map((b) => b.inputs.name).sort()).toEqual(Object.values(local.buckets).map((b) => b.name).sort());
    expect(ofType(all, 'gcp:cloudscheduler/job:Job').map((j) => [j.inputs.name, j.inputs.schedule, Buffer.from(j.inputs.pubsubTarget.data, 'base64').toString()])).toEqual(
      local.scheduler.jobs.map((j) => [j.name, j.schedule, j.data]),
    );
  });

  it('holds the security invariants: no public or primitive roles, additive IAM only, locked-down buckets, internal ingress', () => {
    assertSecurityInvariants(all);
  });

  it('gives every subscription a retry policy and never-expiring life; every push one OIDC and a dead-letter topic', () => {
    // Independent of the topology's own flags: the parking topic is the end of the line.
    assertSubscriptionInvariants(all, new Set([cloud.topics.parking.path]), new Set([cloud.topics.deadLetter.path, cloud.topics.parking.path]));
    const subs = ofType(all, 'gcp:pubsub/subscription:Subscription');
    const terminal = subs.filter((s) => !s.inputs.deadLetterPolicy);
    expect(terminal.map((s) => s.inputs.name)).toEqual(cloud.subscriptions.filter((s) => s.terminal).map((s) => s.name));
    for (const s of subs.filter((x) => x.inputs.deadLetterPolicy)) expect(s.inputs.retryPolicy, s.inputs.name).toBeDefined();
  });

  it('orders the keyed subscription, and only it', () => {
    const ordered = ofType(all, 'gcp:pubsub/subscription:Subscription').filter((s) => s.inputs.enableMessageOrdering);
    expect(ordered.map((s) => s.inputs.topic)).toEqual([`projects/${PROJECT}/topics/${cloud.topics.keyed.name}`]);
  });

  it('pushes with the one push identity, which is the only invoker of each function', () => {
    const pushEmail = `${cloud.pushServiceAccountId}@${PROJECT}.iam.gserviceaccount.com`;
    const fns = ofType(all, 'gcp:cloudfunctionsv2/function:Function');
    for (const s of ofType(all, 'gcp:pubsub/subscription:Subscription').filter((x) => x.inputs.pushConfig)) {
      const spec = cloud.subscriptions.find((x) => x.name === s.inputs.name)!;
      const fn = fns.find((f) => f.inputs.name === cloud.functions[(spec.delivery as { stage: 'ingest' }).stage].name)!;
      const uri = `https://${fn.inputs.name}-abc123-${REGION}.a.run.app`;
      expect(s.inputs.pushConfig.oidcToken).toEqual({ serviceAccountEmail: pushEmail, audience: uri });
    }
    const invokers = grantsOf(all).filter((g) => g.role === 'roles/run.invoker');
    expect(invokers.map((g) => g.on).sort()).toEqual(Object.values(cloud.functions).map((f) => `service:${f.name}`).sort());
    expect(new Set(invokers.map((g) => g.member))).toEqual(new Set([`serviceAccount:${pushEmail}`]));
    // The push identity holds nothing else.
    expect(grantsOf(all).filter((g) => g.member === `serviceAccount:${pushEmail}` && g.role !== 'roles/run.invoker')).toEqual([]);
  });

  it('grants nothing at project level beyond an allowlist: each Firestore stage its database, the build identity Cloud Build', () => {
    const sa = (id: string) => `serviceAccount:${id}@${PROJECT}.iam.gserviceaccount.com`;
    const database = `resource.name == "projects/${PROJECT}/databases/(default)"`;
    const allowed = [
      ...Object.values(cloud.functions).filter((f) => f.access.firestore).map((f) => `${sa(f.serviceAccountId)} roles/datastore.user if ${database}`),
      // The build identity: what Cloud Build needs to build the function sources (fitName(base, 'bld')).
      ...grantsOf(all).filter((g) => g.on === 'project' && g.member.startsWith('serviceAccount:') && /-bld@/.test(g.member) && g.role === 'roles/cloudbuild.builds.builder').map((g) => `${g.member} ${g.role} if `),
    ];
    expect(allowed.filter((a) => a.includes('cloudbuild'))).toHaveLength(1);
    const actual = grantsOf(all).filter((g) => g.on === 'project').map((g) => `${g.member} ${g.role} if ${g.condition ?? ''}`);
    expect(actual.sort()).toEqual(allowed.sort());
  });

  it('protects the data by default: tables, data buckets and the Firestore database survive pulumi destroy', () => {
    const tables = ofType(all, 'gcp:bigquery/table:Table').filter((t) => !t.inputs.view);
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables) expect(t.inputs.deletionProtection, t.inputs.tableId).toBe(true);
    for (const d of ofType(all, 'gcp:bigquery/dataset:Dataset')) expect(d.inputs.deleteContentsOnDestroy).toBe(false);
    const dataBuckets = ofType(all, 'gcp:storage/bucket:Bucket').filter((b) => b.inputs.name !== cloud.buckets.functionSource.name);
    for (const b of dataBuckets) expect(b.inputs.forceDestroy, b.inputs.name).toBe(false);
    for (const db of ofType(all, 'gcp:firestore/database:Database')) expect(db.inputs.deleteProtectionState).toBe('DELETE_PROTECTION_ENABLED');
  });

  it('deploys every function on nodejs24 (Node.js 20 was decommissioned on 2026-10-30), from the entry point its topology names', () => {
    const fns = ofType(all, 'gcp:cloudfunctionsv2/function:Function');
    expect(fns).toHaveLength(Object.keys(cloud.functions).length);
    for (const f of fns) {
      expect(f.inputs.buildConfig.runtime, f.inputs.name).toBe('nodejs24');
      expect(f.inputs.buildConfig.runtime).toBe(FUNCTIONS_RUNTIME);
      const spec = Object.values(cloud.functions).find((x) => x.name === f.inputs.name)!;
      expect(f.inputs.buildConfig.entryPoint).toBe(spec.entryPoint);
    }
  });

  it('gives each function its own service account holding exactly the roles its stage needs', () => {
    const e = EXPECTED[name];
    const t = cloud;
    const topic = (r: keyof Topology['topics']) => `topic:${t.topics[r].name}`;
    const firestore = 'roles/datastore.user on project';
    const table = (tb: string) => `roles/bigquery.dataEditor on dataset:${t.dataset.id}/table:${tb}`;
    const aggregations = e?.aggregations ?? pipelines[name]!.aggregations.map((a) => a.name);
    const expected: Record<string, string[]> = {
      ingest: [`roles/pubsub.publisher on ${topic('events')}`, `roles/pubsub.publisher on ${topic('deadLetter')}`, `roles/storage.objectCreator on bucket:${t.buckets.rawArchive.name}`, `roles/storage.objectViewer on bucket:${t.buckets.landing.name}`, firestore],
      transform: [
        `roles/pubsub.publisher on ${topic('keyed')}`, `roles/pubsub.publisher on ${topic('deadLetter')}`, firestore, table('events'), table('schema_drift'),
        ...(e?.transformSecrets ?? []).map((s) => `roles/secretmanager.secretAccessor on secret:${s}`),
        ...(e?.transformReadBuckets ?? []).map((b) => `roles/storage.objectViewer on bucket:${b}`),
      ],
      aggregator: [`roles/pubsub.publisher on ${topic('keyed')}`, `roles/pubsub.publisher on ${topic('deadLetter')}`, firestore, ...[...aggregations.map((a) => `${a}_panes`), 'late_data'].map(table)],
      deadletter: [`roles/pubsub.publisher on ${topic('parking')}`, table('dead_letter')],
    };
    // Without a hand-written entry, transform's secrets and reference-data buckets are not known here: only their kind is.
    const unlisted = /^roles\/(secretmanager\.secretAccessor on secret|storage\.objectViewer on bucket):[\w.-]+$/;
    const fns = ofType(all, 'gcp:cloudfunctionsv2/function:Function');
    const emails = fns.map((f) => f.inputs.serviceConfig.serviceAccountEmail);
    expect(new Set(emails).size).toBe(fns.length);
    expect(Object.keys(expected).sort()).toEqual(Object.keys(t.functions).sort());
    const grants = grantsOf(all);
    for (const [stage, roles] of Object.entries(expected)) {
      const email = fns.find((f) => f.inputs.name === t.functions[stage as 'ingest'].name)!.inputs.serviceConfig.serviceAccountEmail;
      expect(email).toBe(`${t.functions[stage as 'ingest'].serviceAccountId}@${PROJECT}.iam.gserviceaccount.com`);
      const mine = grants.filter((g) => g.member === `serviceAccount:${email}`).map((g) => `${g.role} on ${g.on}`);
      const extra = e || stage !== 'transform' ? [] : mine.filter((g) => !roles.includes(g) && unlisted.test(g));
      expect(mine.sort(), stage).toEqual([...roles, ...extra].sort());
    }
    for (const g of grants.filter((x) => x.role === 'roles/datastore.user')) {
      expect(g.condition).toBe(`resource.name == "projects/${PROJECT}/databases/(default)"`);
    }
  });

  it('lets Pub/Sub dead-letter (publisher on dead-letter targets, subscriber on sources) and GCS notify files', () => {
    const grants = grantsOf(all);
    const agent = `serviceAccount:${PUBSUB_AGENT}`;
    expect(grants.filter((g) => g.member === agent && g.role === 'roles/pubsub.publisher').map((g) => g.on).sort()).toEqual(
      [`topic:${cloud.topics.deadLetter.name}`, `topic:${cloud.topics.parking.name}`].sort(),
    );
    expect(grants.filter((g) => g.member === agent && g.role === 'roles/pubsub.subscriber').map((g) => g.on).sort()).toEqual(
      cloud.subscriptions.filter((s) => s.deadLetterPolicy).map((s) => `subscription:${s.name}`).sort(),
    );
    expect(grants.filter((g) => g.member === agent && g.role === 'roles/iam.serviceAccountTokenCreator').map((g) => g.on)).toEqual([
      `serviceAccount:projects/${PROJECT}/serviceAccounts/${cloud.pushServiceAccountId}@${PROJECT}.iam.gserviceaccount.com`,
    ]);
    expect(grants.filter((g) => g.member === `serviceAccount:${GCS_AGENT}`).map((g) => `${g.role} on ${g.on}`)).toEqual([`roles/pubsub.publisher on topic:${cloud.topics.files.name}`]);
    const notes = ofType(all, 'gcp:storage/notification:Notification');
    expect(notes.map((n) => [n.inputs.bucket, n.inputs.topic, n.inputs.eventTypes])).toEqual([[cloud.buckets.landing.name, cloud.topics.files.path, ['OBJECT_FINALIZE']]]);
  });

  it('partitions, clusters and expires tables as the definition says', () => {
    const e = EXPECTED[name];
    const aggregations = e?.aggregations ?? pipelines[name]!.aggregations.map((a) => a.name);
    const tables = ofType(all, 'gcp:bigquery/table:Table').filter((t) => !t.inputs.view);
    const shape = (id: string) => {
      const t = tables.find((x) => x.inputs.tableId === id);
      if (!t) throw new Error(`table ${id} was not registered`);
      return [t.inputs.timePartitioning, t.inputs.clusterings];
    };
    // Retention and the events clustering as restated by hand; a pipeline without an entry: some expiry, some clustering.
    const r = e?.retentionDays;
    const expiry = (n: number | undefined) => (n === undefined ? expect.any(Number) : days(n));
    expect(shape('events')).toEqual([{ type: 'DAY', field: 'event_time', expirationMs: expiry(r?.events) }, e?.eventsClustering ?? expect.any(Array)]);
    for (const a of aggregations) expect(shape(`${a}_panes`)).toEqual([{ type: 'DAY', field: 'fired_at', expirationMs: expiry(r?.panes) }, ['key']]);
    expect(shape('dead_letter')).toEqual([{ type: 'DAY', field: 'at', expirationMs: expiry(r?.deadLetter) }, ['stage', 'reason']]);
    expect(shape('late_data')).toEqual([{ type: 'DAY', field: 'at', expirationMs: expiry(r?.lateData) }, ['aggregation', 'key']]);
    expect(shape('schema_drift')).toEqual([{ type: 'DAY', field: 'detected_at', expirationMs: expiry(r?.schemaDrift) }, ['field']]);
    expect(tables).toHaveLength(4 + aggregations.length);
    // Views: the two dedup views, one latest-pane view per aggregation, and the definition's data marts.
    const views = ofType(all, 'gcp:bigquery/table:Table').filter((t) => t.inputs.view);
    expect(views.map((v) => v.inputs.tableId).sort()).toEqual(['events_dedup', 'late_data_dedup', ...aggregations, ...pipelines[name]!.views.map((v) => v.name)].sort());
    for (const v of views) expect(v.inputs.view.useLegacySql).toBe(false);
  });

  it('archives raw data down the storage classes and deletes it at the retention the definition sets', () => {
    const raw = pipelines[name]!.retention.rawArchive;
    const archive = ofType(all, 'gcp:storage/bucket:Bucket').find((b) => b.inputs.name === cloud.buckets.rawArchive.name)!;
    const steps = archive.inputs.lifecycleRules.map((l: { action: { type: string; storageClass?: string }; condition: { age: number } }) => [l.action.storageClass ?? l.action.type, l.condition.age]);
    expect(steps).toEqual([
      ...(raw.nearlineAfterDays !== undefined ? [['NEARLINE', raw.nearlineAfterDays]] : []),
      ...(raw.coldlineAfterDays !== undefined ? [['COLDLINE', raw.coldlineAfterDays]] : []),
      ...(raw.deleteAfterDays !== undefined ? [['Delete', raw.deleteAfterDays]] : []),
    ]);
  });

  it('deploys each stage with the sizing and environment the topology gives', () => {
    for (const f of Object.values(cloud.functions)) {
      const fn = ofType(all, 'gcp:cloudfunctionsv2/function:Function').find((x) => x.inputs.name === f.name)!;
      expect(fn.inputs.serviceConfig).toMatchObject({
        availableMemory: `${f.memoryMb}Mi`, availableCpu: f.cpu, timeoutSeconds: f.timeoutSeconds, maxInstanceCount: f.maxInstances,
        minInstanceCount: 0, maxInstanceRequestConcurrency: f.concurrency, environmentVariables: f.env,
      });
      expect(fn.inputs.serviceConfig.environmentVariables.SLUICE_ENV).toBe('cloud');
      expect(fn.inputs.buildConfig.entryPoint).toBe(f.entryPoint);
    }
    expect(cloud.functions.ingest.concurrency).toBeGreaterThan(1);
    expect(cloud.functions.transform.concurrency).toBeGreaterThan(1);
  });

  it('sets up Firestore TTL, alerts, channels, the budget and the BigQuery guardrail', () => {
    const fields = ofType(all, 'gcp:firestore/field:Field');
    expect(fields.filter((f) => f.inputs.ttlConfig).map((f) => [f.inputs.collection, f.inputs.field])).toEqual(cloud.firestore.ttlPolicies.map((p) => [p.collectionGroup, p.field]));
    // The aggregator's large opaque fields are exempt from single-field indexing.
    expect(fields.filter((f) => f.inputs.indexConfig).map((f) => [f.inputs.collection, f.inputs.field])).toEqual(cloud.firestore.indexExemptions.map((p) => [p.collectionGroup, p.field]));
    expect(cloud.firestore.indexExemptions).toContainEqual({ collectionGroup: 'partitions', field: 'state' });
    expect(ofType(all, 'gcp:logging/metric:Metric')).toHaveLength(4);
    expect(ofType(all, 'gcp:monitoring/alertPolicy:AlertPolicy').length).toBeGreaterThanOrEqual(4);
    expect(ofType(all, 'gcp:monitoring/notificationChannel:NotificationChannel').map((c) => c.inputs.type).sort()).toEqual(['email', 'webhook_tokenauth']);
    expect(ofType(all, 'gcp:billing/budget:Budget')).toHaveLength(1);
    expect(ofType(all, 'gcp:serviceusage/consumerQuotaOverride:ConsumerQuotaOverride')).toHaveLength(1);
  });

  it('exports where to publish and what to query', async () => {
    const value = <T>(o: unknown) => new Promise<T>((r) => (o as pulumi.Output<T>).apply(r));
    expect(await value(outputs.rawTopic)).toBe(cloud.topics.raw.path);
    expect(await value(outputs.landingBucket)).toBe(cloud.buckets.landing.name);
    expect(await value(outputs.dataset)).toBe(cloud.dataset.id);
  });
});

describe('stack config reaches the topology', () => {
  it('prefixes every name with sluice:prefix and adopts an existing Firestore database', async () => {
    const { all } = await runProgram({
      'gcp:project': PROJECT, 'gcp:region': REGION, 'sluice:pipeline': 'iot-sensors', 'sluice:prefix': 'dev',
      'sluice:createFirestoreDatabase': 'false', 'sluice:archiveDir': fakeBundles(['ingest', 'transform', 'aggregator', 'deadletter']),
    });
    const names = [
      ...ofType(all, 'gcp:pubsub/topic:Topic').map((t) => t.inputs.name),
      ...ofType(all, 'gcp:pubsub/subscription:Subscription').map((t) => t.inputs.name),
      ...ofType(all, 'gcp:cloudfunctionsv2/function:Function').map((t) => t.inputs.name),
    ];
    expect(names.length).toBe(7 + 7 + 4);
    for (const n of names) expect(n).toMatch(/^dev-iot-sensors-/);
    expect(ofType(all, 'gcp:bigquery/dataset:Dataset')[0]!.inputs.datasetId).toBe('dev_iot_sensors');
    expect(ofType(all, 'gcp:firestore/database:Database')).toEqual([]);
    expect(ofType(all, 'gcp:firestore/field:Field').length).toBeGreaterThan(0);
    // No alert channels configured: alerts still exist, with no channels; no budget.
    expect(ofType(all, 'gcp:monitoring/notificationChannel:NotificationChannel')).toEqual([]);
    expect(ofType(all, 'gcp:billing/budget:Budget')).toEqual([]);
  });
});

describe('stack config errors', () => {
  it('names sluice:pipeline and lists the known pipelines for an unknown one', async () => {
    await recordResources();
    pulumi.runtime.setAllConfig({ 'gcp:project': PROJECT, 'gcp:region': REGION, 'sluice:pipeline': 'nope' });
    vi.resetModules();
    await expect(import('../../infra/index')).rejects.toThrow(`sluice:pipeline: unknown pipeline 'nope'; known: ${pipelineNames().join(', ')}`);
  });
});
