import { getPipeline } from '../../pipelines';
import { type ClientsConfig, loadClientsConfig } from '../adapters/clients';
import { ConfigError } from '../core/errors';
import type { AnyPipeline } from '../pipeline';
import { secretEnvVar, type Topology, topologyFor } from '../topology';
import { type FaultSettings, INJECT_FAULTS_VARIABLE, parseFaultSettings } from './injected-faults';

/** Everything a stage entry point needs, read once at cold start. */
export interface StageContext {
  pipeline: AnyPipeline;
  /** The same topology Pulumi deployed (or the local bootstrap created): resource names come from here. */
  topology: Topology;
  clients: ClientsConfig;
  /** Secrets mounted by the platform (`SLUICE_SECRET_<ID>`), by secret id as the definition names it. */
  secret(id: string): string;
  /** Random crash injection for the fault soak (`SLUICE_INJECT_FAULTS`); set only by the local dev stack when asked. */
  faults?: FaultSettings;
}

/**
 * Reads a stage's configuration from its environment: `SLUICE_PIPELINE`, `SLUICE_PROJECT`,
 * `SLUICE_REGION`, `SLUICE_ENV` (`local` | `cloud`), optional `SLUICE_PREFIX`, and the client
 * endpoints (see `loadClientsConfig`), and `SLUICE_INJECT_FAULTS` (see `injected-faults.ts`; never set in the cloud). The topology is recomputed from the pipeline definition the
 * function was bundled with — the very structure the infrastructure was created from.
 */
export function loadStageContext(env: Record<string, string | undefined> = process.env): StageContext {
  const name = required(env, 'SLUICE_PIPELINE');
  const region = required(env, 'SLUICE_REGION');
  const mode = env.SLUICE_ENV ?? 'cloud';
  if (mode !== 'local' && mode !== 'cloud') throw new ConfigError('SLUICE_ENV', `must be 'local' or 'cloud'; got '${mode}'`);
  const clients = loadClientsConfig(env);
  const pipeline = getPipeline(name);
  const faults = parseFaultSettings(env[INJECT_FAULTS_VARIABLE]);
  const topology = topologyFor(pipeline, {
    project: clients.projectId,
    region,
    env: mode,
    ...(env.SLUICE_PREFIX ? { prefix: env.SLUICE_PREFIX } : {}),
  });
  return {
    pipeline,
    topology,
    clients,
    ...(faults ? { faults } : {}),
    secret(id: string): string {
      return required(env, secretEnvVar(id));
    },
  };
}

function required(env: Record<string, string | undefined>, variable: string): string {
  const v = env[variable];
  if (!v) throw new ConfigError(variable, 'is required; the topology sets it on every stage (locally, `npm run dev` does)');
  return v;
}
