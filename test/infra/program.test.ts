import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StageBundle } from '../../infra/bundle';
import type { StackConfig } from '../../infra/config';
import { checkPlan, deployPipeline } from '../../infra/program';
import type { InfraPlan } from '../../infra/plan';
import { fixturePlan } from './fixtures/plan';
import { assertSecurityInvariants, assertSubscriptionInvariants, grantsOf } from './invariants';
import { GCS_AGENT, ofType, PROJECT, PUBSUB_AGENT, recordResources, settle, type Registered } from './mocks';

const work = mkdtempSync(join(tmpdir(), 'sluice-program-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

export function fakeBundles(names: string[]): StageBundle[] {
  return names.map((name) => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), `export const x = ${JSON.stringify(name)};\n`);
    return { name, dir, hash: `hash-${name}`, dependencies: {} };
  });
}

const cfg: StackConfig = {
  project: PROJECT, region: 'europe-west1', pipeline: 'iot-sensors', firestoreLocation: 'eur3', bigqueryLocation: 'EU',
  alertEmails: ['oncall@example.com'], chatWebhooks: [], protectData: false,
  alerts: { watermarkLagMinutes: 15, paneLatencyMinutes: 10, backlogMinutes: 10 },
};

describe('deployPipeline on a hand-written plan', () => {
  let all: Registered[];
  const plan = fixturePlan();
  beforeAll(async () => {
    all = await recordResources();
    deployPipeline(cfg, plan, fakeBundles(plan.stages.map((s) => s.bundle)));
    await settle();
  });

  it('registers exactly the planned topics and subscriptions', () => {
    expect(ofType(all, 'gcp:pubsub/topic:Topic').map((t) => t.inputs.name).sort()).toEqual(plan.topics.map((t) => t.name).sort());
    expect(ofType(all, 'gcp:pubsub/subscription:Subscription').map((s) => s.inputs.name).sort()).toEqual(
      [...plan.pushSubscriptions, ...plan.pullSubscriptions].map((s) => s.name).sort(),
    );
  });

  it('holds the security and subscription invariants', () => {
    assertSecurityInvariants(all);
    assertSubscriptionInvariants(all, new Set([`projects/${PROJECT}/topics/sluice-iot-dead-letter`]));
  });

  it('enables ordering on the keyed subscription only', () => {
    const ordered = ofType(all, 'gcp:pubsub/subscription:Subscription').filter((s) => s.inputs.enableMessageOrdering);
    expect(ordered.map((s) => s.inputs.name)).toEqual(['sluice-iot-keyed-aggregator']);
  });

  it('pushes each subscription to its stage with the push identity', () => {
    const push = ofType(all, 'gcp:serviceaccount/account:Account').find((a) => a.inputs.accountId === 'sluice-iot-push')!;
    const pushEmail = `${push.inputs.accountId}@${PROJECT}.iam.gserviceaccount.com`;
    for (const s of plan.pushSubscriptions) {
      const reg = ofType(all, 'gcp:pubsub/subscription:Subscription').find((r) => r.inputs.name === s.name)!;
      const fn = plan.stages.find((x) => x.key === s.stage)!;
      expect(reg.inputs.pushConfig.pushEndpoint).toBe(`https://${fn.functionName}-abc123-europe-west1.a.run.app${s.pushPath}`);
      expect(reg.inputs.pushConfig.oidcToken).toEqual({ serviceAccountEmail: pushEmail, audience: `https://${fn.functionName}-abc123-europe-west1.a.run.app` });
    }
    // invoker on each function for the push identity, and nobody else
    const invokers = grantsOf(all).filter((g) => g.role === 'roles/run.invoker');
    expect(invokers.map((g) => g.on).sort()).toEqual(plan.stages.map((s) => `service:${s.functionName}`).sort());
    expect(new Set(invokers.map((g) => g.member))).toEqual(new Set([`serviceAccount:${pushEmail}`]));
  });

  it('gives each function its own service account with exactly the roles its access implies', () => {
    const fns = ofType(all, 'gcp:cloudfunctionsv2/function:Function');
    const emails = fns.map((f) => f.inputs.serviceConfig.serviceAccountEmail);
    expect(new Set(emails).size).toBe(plan.stages.length);
    const grants = grantsOf(all);
    for (const s of plan.stages) {
      const email = fns.find((f) => f.inputs.name === s.functionName)!.inputs.serviceConfig.serviceAccountEmail;
      const mine = grants.filter((g) => g.member === `serviceAccount:${email}`).map((g) => `${g.role} on ${g.on}`).sort();
      const topicName = (k: string) => plan.topics.find((t) => t.key === k)!.name;
      const bucketName = (k: string) => plan.buckets.find((b) => b.key === k)!.name;
      const expected = [
        ...s.access.publishesTo.map((t) => `roles/pubsub.publisher on topic:${topicName(t)}`),
        ...(s.access.firestore ? ['roles/datastore.user on project'] : []),
        ...(s.access.bigqueryWrite ? [`roles/bigquery.dataEditor on dataset:${plan.warehouse.datasetId}`] : []),
        ...s.access.bucketsWrite.map((b) => `roles/storage.objectCreator on bucket:${bucketName(b)}`),
        ...s.access.bucketsRead.map((b) => `roles/storage.objectViewer on bucket:${bucketName(b)}`),
        ...s.access.externalBucketsRead.map((b) => `roles/storage.objectViewer on bucket:${b}`),
      ].sort();
      expect(mine, s.key).toEqual(expected);
    }
    // Firestore access is narrowed to the pipeline's database by an IAM condition.
    for (const g of grants.filter((x) => x.role === 'roles/datastore.user')) {
      expect(g.condition).toBe(`resource.name == "projects/${PROJECT}/databases/${plan.stateStore.databaseName}"`);
    }
  });

  it('lets the Pub/Sub agent dead-letter and the GCS agent notify', () => {
    const grants = grantsOf(all);
    const agent = `serviceAccount:${PUBSUB_AGENT}`;
    expect(grants.filter((g) => g.member === agent && g.role === 'roles/pubsub.publisher').map((g) => g.on)).toEqual(['topic:sluice-iot-dead-letter']);
    expect(grants.filter((g) => g.member === agent && g.role === 'roles/pubsub.subscriber').map((g) => g.on).sort()).toEqual(
      plan.pushSubscriptions.map((s) => `subscription:${s.name}`).sort(),
    );
    expect(grants.filter((g) => g.member === `serviceAccount:${GCS_AGENT}`).map((g) => `${g.role} on ${g.on}`)).toEqual(['roles/pubsub.publisher on topic:sluice-iot-files']);
    const [n] = ofType(all, 'gcp:storage/notification:Notification');
    expect(n!.inputs).toMatchObject({ bucket: `${PROJECT}-sluice-iot-landing`, topic: `projects/${PROJECT}/topics/sluice-iot-files`, eventTypes: ['OBJECT_FINALIZE'], payloadFormat: 'JSON_API_V1' });
  });

  it('deploys functions with explicit sizing from their own archives', () => {
    for (const s of plan.stages) {
      const f = ofType(all, 'gcp:cloudfunctionsv2/function:Function').find((r) => r.inputs.name === s.functionName)!;
      expect(f.inputs.serviceConfig).toMatchObject({
        availableMemory: `${s.memoryMiB}Mi`, timeoutSeconds: s.timeoutSeconds, maxInstanceCount: s.maxInstances,
        minInstanceCount: s.minInstances, maxInstanceRequestConcurrency: s.concurrency, environmentVariables: s.environment,
      });
      expect(f.inputs.buildConfig).toMatchObject({ runtime: 'nodejs20', entryPoint: s.entryPoint, source: { storageSource: { object: `${s.functionName}/hash-${s.bundle}.zip` } } });
    }
  });

  it('schedules the tick onto the tick topic', () => {
    const [job] = ofType(all, 'gcp:cloudscheduler/job:Job');
    expect(job!.inputs).toMatchObject({ schedule: '* * * * *', pubsubTarget: { topicName: `projects/${PROJECT}/topics/sluice-iot-tick` } });
    expect(JSON.parse(Buffer.from(job!.inputs.pubsubTarget.data, 'base64').toString())).toEqual({ kind: 'tick' });
  });
});

describe('checkPlan', () => {
  const bundles = (p: InfraPlan) => p.stages.map((s) => ({ name: s.bundle, dir: '/nonexistent', hash: 'h', dependencies: {} }));
  it.each<[string, (p: InfraPlan) => void, RegExp]>([
    ['unknown topic', (p) => { p.pushSubscriptions[0]!.topic = 'nope'; }, /reads unknown topic "nope"/],
    ['dead-letter to itself', (p) => { p.pushSubscriptions[0]!.deadLetterTopic = p.pushSubscriptions[0]!.topic; }, /dead-letters to its own topic/],
    ['dead-letter topic without subscription', (p) => { p.pullSubscriptions = []; }, /has no subscription/],
    ['ack deadline shorter than timeout', (p) => { p.stages[0]!.timeoutSeconds = 120; }, /ackDeadlineSeconds \(60\) must be ≥ ingest's timeout \(120s\)/],
    ['unknown bucket', (p) => { p.stages[0]!.access.bucketsWrite = ['nope']; }, /unknown bucket "nope"/],
    ['missing bundle', (p) => { p.stages[0]!.bundle = 'missing'; }, /bundle "missing", which was not built/],
  ])('rejects %s', (_, mutate, message) => {
    const p = fixturePlan();
    const b = bundles(p);
    mutate(p);
    expect(() => checkPlan(p, b)).toThrow(message);
  });
  it('accepts the fixture', () => {
    const p = fixturePlan();
    expect(() => checkPlan(p, bundles(p))).not.toThrow();
  });
});
