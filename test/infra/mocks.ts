import * as pulumi from '@pulumi/pulumi';
import { vi } from 'vitest';

/**
 * Registered inputs are the provider's untyped property bag; tests read them by path.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an untyped property bag, checked by assertions
export type Inputs = Record<string, any>;

/** One resource the program registered, as the engine would have received it. */
export interface Registered {
  type: string;
  name: string;
  inputs: Inputs;
  /** The mock's id (a topic's `projects/<p>/topics/<name>`, a bucket's name…). */
  id: string;
}

export const PROJECT = 'sluice-test';
export const PROJECT_NUMBER = '123456789012';
export const PUBSUB_AGENT = `service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;
export const GCS_AGENT = `service-${PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`;

/** What a real provider would return for the outputs the program reads. */
function mockState(type: string, name: string, inputs: Inputs): { id: string; state: Inputs } {
  const project = inputs.project ?? PROJECT;
  switch (type) {
    case 'gcp:pubsub/topic:Topic':
      return { id: `projects/${project}/topics/${inputs.name}`, state: inputs };
    case 'gcp:pubsub/subscription:Subscription':
      return { id: `projects/${project}/subscriptions/${inputs.name}`, state: inputs };
    case 'gcp:serviceaccount/account:Account': {
      const email = `${inputs.accountId}@${project}.iam.gserviceaccount.com`;
      return { id: `projects/${project}/serviceAccounts/${email}`, state: { ...inputs, email, name: `projects/${project}/serviceAccounts/${email}` } };
    }
    case 'gcp:cloudfunctionsv2/function:Function': {
      const uri = `https://${inputs.name}-abc123-${inputs.location}.a.run.app`;
      const service = `projects/${project}/locations/${inputs.location}/services/${inputs.name}`;
      return { id: `projects/${project}/locations/${inputs.location}/functions/${inputs.name}`, state: { ...inputs, serviceConfig: { ...inputs.serviceConfig, uri, service } } };
    }
    case 'gcp:storage/bucket:Bucket':
      return { id: inputs.name, state: { ...inputs, url: `gs://${inputs.name}` } };
    case 'gcp:bigquery/dataset:Dataset':
      return { id: `projects/${project}/datasets/${inputs.datasetId}`, state: inputs };
    case 'gcp:firestore/database:Database':
      return { id: `projects/${project}/databases/${inputs.name}`, state: inputs };
    default:
      return { id: `${name}-id`, state: inputs };
  }
}

/**
 * Installs Pulumi mocks that record every registered resource. Returns the live list (it fills as
 * the program runs; call `settle()` before reading it).
 */
export async function recordResources(opts: { preview?: boolean } = {}): Promise<Registered[]> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const { id, state } = mockState(args.type, args.name, args.inputs);
        registered.push({ type: args.type, name: args.name, inputs: args.inputs, id });
        return { id, state };
      },
      call(args) {
        switch (args.token) {
          case 'gcp:organizations/getProject:getProject':
            return { projectId: args.inputs.projectId ?? PROJECT, number: PROJECT_NUMBER, name: PROJECT };
          case 'gcp:storage/getProjectServiceAccount:getProjectServiceAccount':
            return { emailAddress: GCS_AGENT, project: args.inputs.project ?? PROJECT };
          default:
            throw new Error(`unexpected provider call ${args.token}`);
        }
      },
    },
    'sluice',
    'test',
    opts.preview ?? false,
  );
  return registered;
}

/** Waits until every outstanding registration RPC (including those from applies) has been answered. */
export async function settle(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (!runtime.waitForRPCs) throw new Error('@pulumi/pulumi no longer exports runtime.waitForRPCs; update test/infra/mocks.ts');
  await runtime.waitForRPCs();
}

/** Resolves a Pulumi output in a test. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

export function ofType(all: Registered[], type: string): Registered[] {
  return all.filter((r) => r.type === type);
}

/**
 * Runs the whole Pulumi program (`infra/index.ts`, module cache reset) under the mocks with this
 * stack config; returns what it registered and exported.
 */
export async function runProgram(config: Record<string, string>, secretKeys: string[] = []): Promise<{ all: Registered[]; outputs: Record<string, unknown> }> {
  const all = await recordResources();
  pulumi.runtime.setAllConfig(config, secretKeys);
  vi.resetModules();
  const outputs = (await import('../../infra/index')) as Record<string, unknown>;
  await settle();
  return { all, outputs };
}
