/**
 * The registry of pipelines this project deploys and runs locally: name → validated definition.
 * The CLI, the Pulumi program (`pipeline` stack config) and `npm run dev` look pipelines up here.
 */
import { ConfigError } from '../shared/core/errors';
import type { AnyPipeline } from '../shared/pipeline';
import { benchE2e } from './bench-e2e';
import { benchFaults } from './bench-faults';
import { clickstream } from './clickstream';
import { iotSensors } from './iot-sensors';

export const pipelines: Readonly<Record<string, AnyPipeline>> = Object.freeze({
  [iotSensors.name]: iotSensors,
  [clickstream.name]: clickstream,
});

/**
 * Pipelines that exist for local tooling only (the end-to-end benchmark, the fault soak): resolvable by name, so
 * the stages served by `startDevStack` find them, but not listed among the examples.
 */
export const toolingPipelines: Readonly<Record<string, AnyPipeline>> = Object.freeze({
  [benchE2e.name]: benchE2e,
  [benchFaults.name]: benchFaults,
});

/** Names of the registered pipelines, sorted. */
export function pipelineNames(): string[] {
  return Object.keys(pipelines).sort();
}

/**
 * The pipeline called `name`.
 * @throws ConfigError naming the variable it came from and the known pipelines.
 */
export function getPipeline(name: string, variable = 'SLUICE_PIPELINE'): AnyPipeline {
  const own = (r: Readonly<Record<string, AnyPipeline>>): AnyPipeline | undefined => (Object.prototype.hasOwnProperty.call(r, name) ? r[name] : undefined);
  const p = own(pipelines) ?? own(toolingPipelines);
  if (p === undefined) {
    throw new ConfigError(variable, `unknown pipeline '${name}'; known: ${pipelineNames().join(', ')}`);
  }
  return p;
}

export { benchE2e, benchFaults, clickstream, iotSensors };
