import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { StageFunction, type StageFunctionArgs } from '../../../infra/components/stage-function';
import { ofType, PROJECT, recordResources, settle, valueOf, type Registered } from '../mocks';

const dir = mkdtempSync(join(tmpdir(), 'sluice-fn-'));
writeFileSync(join(dir, 'index.js'), 'export const ingest = () => {};\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const args = (over: Partial<StageFunctionArgs> = {}): StageFunctionArgs => ({
  project: PROJECT, region: 'europe-west1', functionName: 'sluice-x-ingest', serviceAccountId: 'sluice-x-ing', description: 'ingest', sourceBucket: 'src',
  archiveDir: dir, archiveHash: 'abc', entryPoint: 'ingest', runtime: 'nodejs24', memoryMiB: 512, cpu: '1', timeoutSeconds: 60,
  maxInstances: 20, minInstances: 0, concurrency: 80, environment: { SLUICE_PIPELINE: 'x' },
  secretEnvironment: [{ key: 'SLUICE_PII_KEY', secret: 'pii', version: 'latest' }],
  invokerMembers: [{ name: 'push', member: 'serviceAccount:push@x' }], buildServiceAccount: 'projects/p/serviceAccounts/b@x', labels: {}, ...over,
});

describe('StageFunction', () => {
  let all: Registered[];
  beforeEach(async () => {
    all = await recordResources();
  });

  it('deploys a gen2 function from its content-addressed archive with its own identity and push-only invoker', async () => {
    const f = new StageFunction('ingest', args());
    expect(await valueOf(f.uri)).toBe('https://sluice-x-ingest-abc123-europe-west1.a.run.app');
    await settle();
    const [sa] = ofType(all, 'gcp:serviceaccount/account:Account');
    expect(sa!.inputs.accountId).toBe('sluice-x-ing');
    const [obj] = ofType(all, 'gcp:storage/bucketObject:BucketObject');
    expect(obj!.inputs).toMatchObject({ bucket: 'src', name: 'sluice-x-ingest/abc.zip' });
    const [fn] = ofType(all, 'gcp:cloudfunctionsv2/function:Function');
    expect(fn!.inputs.eventTrigger).toBeUndefined();
    expect(fn!.inputs.serviceConfig).toMatchObject({
      availableMemory: '512Mi', availableCpu: '1', timeoutSeconds: 60, maxInstanceCount: 20, minInstanceCount: 0,
      maxInstanceRequestConcurrency: 80, ingressSettings: 'ALLOW_INTERNAL_ONLY',
      serviceAccountEmail: `sluice-x-ing@${PROJECT}.iam.gserviceaccount.com`,
      secretEnvironmentVariables: [{ key: 'SLUICE_PII_KEY', projectId: PROJECT, secret: 'pii', version: 'latest' }],
    });
    expect(fn!.inputs.buildConfig).toMatchObject({ serviceAccount: 'projects/p/serviceAccounts/b@x', source: { storageSource: { bucket: 'src', object: 'sluice-x-ingest/abc.zip' } } });
    const inv = ofType(all, 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember');
    expect(inv.map((i) => i.inputs)).toEqual([expect.objectContaining({ role: 'roles/run.invoker', member: 'serviceAccount:push@x', name: `projects/${PROJECT}/locations/europe-west1/services/sluice-x-ingest` })]);
  });

  it.each<[Partial<StageFunctionArgs>, RegExp]>([
    [{ cpu: '0.5', concurrency: 2 }, /concurrency > 1 needs cpu ≥ 1/],
    [{ minInstances: 3, maxInstances: 2 }, /minInstances must be an integer in \[0, maxInstances\]/],
    [{ maxInstances: 0 }, /maxInstances must be an integer ≥ 1/],
    [{ memoryMiB: 64 }, /memoryMiB/],
    [{ timeoutSeconds: 3601 }, /timeoutSeconds/],
    [{ functionName: 'Bad_Name' }, /function name/],
    [{ serviceAccountId: 'abc' }, /serviceAccountId must be 6–30/],
  ])('rejects %j before registering anything', (over, message) => {
    expect(() => new StageFunction('bad', args(over))).toThrow(message);
  });

  it('accepts a fractional cpu for a one-at-a-time stage', async () => {
    new StageFunction('agg', args({ functionName: 'sluice-x-agg', cpu: '0.583', concurrency: 1 }));
    await settle();
    expect(ofType(all, 'gcp:cloudfunctionsv2/function:Function')[0]!.inputs.serviceConfig.availableCpu).toBe('0.583');
  });
});
