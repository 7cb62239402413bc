/**
 * The Pulumi program: stack config + the pipeline's topology → cloud resources. It only composes;
 * everything it provisions is decided by `shared/topology` (shared with the local emulator stack)
 * and the components in `./components`.
 */
import { join } from 'node:path';
import { getPipeline } from '../pipelines';
import { topologyFor } from '../shared/topology';
import { bundleStages, prebuiltBundles, repoRoot, stagesOf } from './bundle';
import { loadStackConfig } from './config';
import { deployPipeline } from './program';

const config = loadStackConfig();
const topology = topologyFor(getPipeline(config.pipeline, 'sluice:pipeline'), {
  project: config.project,
  region: config.region,
  env: 'cloud',
  ...(config.prefix !== undefined ? { prefix: config.prefix } : {}),
});
const bundles = config.archiveDir
  ? prebuiltBundles(config.archiveDir, stagesOf(topology).map((s) => s.name))
  : await bundleStages({
      rootDir: repoRoot,
      outDir: join(repoRoot, 'dist', 'functions'),
      stages: stagesOf(topology),
    });
const out = deployPipeline(config, topology, bundles);

export const pipeline = out.pipeline;
export const rawTopic = out.rawTopic;
export const landingBucket = out.landingBucket;
export const topics = out.topics;
export const subscriptions = out.subscriptions;
export const functionUris = out.functionUris;
export const serviceAccounts = out.serviceAccounts;
export const pushServiceAccount = out.pushServiceAccount;
export const buckets = out.buckets;
export const dataset = out.dataset;
export const firestoreDatabase = out.firestoreDatabase;
export const schedulerJobs = out.schedulerJobs;
