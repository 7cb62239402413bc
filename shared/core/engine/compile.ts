import type { CombineFn } from '../combiners/combine-fn';
import { parseDuration } from '../duration';
import { SpecError } from '../errors';
import { Accumulation, type AccumulationMode, type AggregationSpec } from '../spec';
import { triggerFromSpec, type Trigger } from '../triggers';
import { windowFnFromSpec, type WindowFn } from '../windows';

/**
 * An aggregation ready to run: validated window assigner, compiled trigger, allowed lateness in ms,
 * accumulation mode and the combiner. Build it once per process (it holds no state).
 */
export interface CompiledAggregation<I = unknown, A = unknown, O = unknown> {
  readonly name: string;
  readonly windowFn: WindowFn;
  readonly trigger: Trigger;
  readonly allowedLatenessMs: number;
  readonly accumulation: AccumulationMode;
  readonly combineFn: CombineFn<I, A, O>;
}

/** The parts of an {@link AggregationSpec} the engine needs (measures are turned into `combineFn` by the caller). */
export type EngineSpec = Pick<AggregationSpec, 'name' | 'window' | 'trigger' | 'allowedLateness' | 'accumulation'>;

/**
 * Validates and compiles an aggregation. Allowed lateness and accumulation mode are required: there
 * are no hidden time defaults.
 *
 * @param path where the spec sits in the definition, for error messages.
 * @throws SpecError stating the violated rule.
 */
export function compileAggregation<I, A, O>(
  spec: EngineSpec,
  combineFn: CombineFn<I, A, O>,
  path = 'aggregation',
): CompiledAggregation<I, A, O> {
  if (typeof spec.name !== 'string' || spec.name.length === 0) {
    throw new SpecError(`${path}.name`, `an aggregation needs a non-empty name; got ${JSON.stringify(spec.name)}`);
  }
  if (spec.allowedLateness === undefined) {
    throw new SpecError(`${path}.allowedLateness`, "allowedLateness is required (there is no hidden default): use '0s' to accept no late data, or a horizon such as '10m'");
  }
  if (spec.accumulation !== Accumulation.DISCARDING && spec.accumulation !== Accumulation.ACCUMULATING) {
    throw new SpecError(`${path}.accumulation`, `accumulation must be 'DISCARDING' or 'ACCUMULATING' (no default); got ${JSON.stringify(spec.accumulation)}`);
  }
  if (spec.trigger === undefined) {
    throw new SpecError(`${path}.trigger`, "trigger is required; use {kind: 'default'} for Beam's default trigger");
  }
  return {
    name: spec.name,
    windowFn: windowFnFromSpec(spec.window, `${path}.window`),
    trigger: triggerFromSpec(spec.trigger, `${path}.trigger`),
    allowedLatenessMs: parseDuration(spec.allowedLateness, `${path}.allowedLateness`),
    accumulation: spec.accumulation,
    combineFn,
  };
}
