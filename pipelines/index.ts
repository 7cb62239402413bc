/**
 * The registry of pipelines this project deploys and runs locally: name → validated definition.
 * The CLI, the Pulumi program (`pipeline` stack config) and `npm run dev` look pipelines up here.
 */
import { ConfigError } from '../shared/core/errors';
import type { AnyPipeline } from '../shared/pipeline';
import { clickstream } from './clickstream';
import { iotSensors } from './iot-sensors';

export const pipelines: Readonly<Record<string, AnyPipeline>> = Object.freeze({
  [iotSensors.name]: iotSensors,
  [clickstream.name]: clickstream,
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
  const p = Object.prototype.hasOwnProperty.call(pipelines, name) ? pipelines[name] : undefined;
  if (p === undefined) {
    throw new ConfigError(variable, `unknown pipeline '${name}'; known: ${pipelineNames().join(', ')}`);
  }
  return p;
}

export { clickstream, iotSensors };
