/**
 * Where a CLI command acts: the local emulator stack (default; endpoints from `.emulators/env`)
 * or, with `--project`, a deployed project through Application Default Credentials. Either way
 * the resource names come from the same topology the stack or Pulumi created.
 */
import { readStackEnv, stackEnvRecord, type StackEnv } from '../emulators/env';
import { getPipeline } from '../pipelines';
import type { AnyPipeline } from '../shared/pipeline';
import { createClients, loadClientsConfig, type Clients } from '../shared/adapters/clients';
import { ConfigError } from '../shared/core/errors';
import { topologyFor, type Topology } from '../shared/topology';

export interface TargetOptions {
  pipeline: string;
  /** Environment prefix the topology was created with. */
  prefix?: string;
  /** A deployed project; omitted = the local emulators. */
  project?: string;
  /** Region of the deployment (default `europe-west1`). */
  region?: string;
  /** Clone whose `.emulators/env` describes the local stack. */
  root?: string;
}

export interface Target {
  kind: 'local' | 'cloud';
  pipeline: AnyPipeline;
  topology: Topology;
  clients: Clients;
  /** The local stack's endpoints (local targets only). */
  stack?: StackEnv;
  /** Closes the clients' connections so the CLI can exit. */
  close(): Promise<void>;
}

/** Resolves the target; throws ConfigError saying how to start the stack or name a project. */
export function resolveTarget(o: TargetOptions): Target {
  const pipeline = getPipeline(o.pipeline, '--pipeline');
  const region = o.region ?? 'europe-west1';
  const extra = o.prefix ? { prefix: o.prefix } : {};
  if (o.project) {
    const clients = createClients({ projectId: o.project });
    return { kind: 'cloud', pipeline, topology: topologyFor(pipeline, { project: o.project, region, env: 'cloud', ...extra }), clients, close: () => closeClients(clients) };
  }
  let stack: StackEnv;
  try {
    stack = o.root === undefined ? readStackEnv() : readStackEnv(o.root);
  } catch (err) {
    throw new ConfigError('--project', `no deployed project given and no local stack: ${(err as Error).message}; or pass --project <id> to act on a deployed pipeline`);
  }
  // The Node clients would otherwise probe a metadata server that is not there.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const clients = createClients(loadClientsConfig(stackEnvRecord(stack)));
  return {
    kind: 'local',
    pipeline,
    topology: topologyFor(pipeline, { project: stack.SLUICE_PROJECT, region, env: 'local', ...extra }),
    clients,
    stack,
    close: () => closeClients(clients),
  };
}

async function closeClients(c: Clients): Promise<void> {
  await Promise.allSettled([c.pubsub.close(), c.firestore.terminate()]);
}
