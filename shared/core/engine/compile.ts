import type { CombineFn } from '../combiners/combine-fn';
import { combinerFromMeasures, type MeasuresCombineFn } from '../combiners/measures';
import type { TimestampedValue } from '../combiners/timestamped-value';
import { parseDuration } from '../duration';
import { SpecError } from '../errors';
import { Accumulation, type AccumulationMode, type AggregationSpec } from '../spec';
import { triggerFromSpec, type Trigger } from '../triggers';
import { windowFnFromSpec, type WindowFn } from '../windows';

/**
 * An aggregation ready to run: validated window assigner, compiled trigger, allowed lateness in ms,
 * accumulation mode and the combiner. Build it once per process (it holds no state).
 *
 * The combiner's input is the element itself (`{value, timestamp}` plus key and id), so
 * event-time-aware combiners (`latest`) need no wrapper object per element.
 */
export interface CompiledAggregation<I = unknown, A = unknown, O = unknown> {
  readonly name: string;
  readonly windowFn: WindowFn;
  readonly trigger: Trigger;
  readonly allowedLatenessMs: number;
  readonly accumulation: AccumulationMode;
  readonly combineFn: CombineFn<TimestampedValue<I>, A, O>;
}

/** The parts of an {@link AggregationSpec} the engine needs (measures are turned into `combineFn` by the caller). */
export type EngineSpec = Pick<AggregationSpec, 'name' | 'window' | 'trigger' | 'allowedLateness' | 'accumulation'>;

/** The compiled form of an {@link AggregationSpec} whose measures run through `combinerFromMeasures`. */
export type CompiledMeasuresAggregation = CompiledAggregation<Record<string, unknown>, unknown[], Record<string, unknown>> & {
  readonly combineFn: MeasuresCombineFn;
};

/**
 * Validates and compiles an aggregation. Allowed lateness and accumulation mode are required: there
 * are no hidden time defaults. With a full {@link AggregationSpec}, the measures become the combiner
 * (`combinerFromMeasures`); with an {@link EngineSpec}, pass the combiner.
 *
 * @param path where the spec sits in the definition, for error messages.
 * @throws SpecError stating the violated rule.
 */
export function compileAggregation(spec: AggregationSpec, path?: string): CompiledMeasuresAggregation;
export function compileAggregation<I, A, O>(spec: EngineSpec, combineFn: CombineFn<TimestampedValue<I>, A, O>, path?: string): CompiledAggregation<I, A, O>;
export function compileAggregation(
  spec: EngineSpec | AggregationSpec,
  combineFnOrPath?: CombineFn<TimestampedValue<unknown>, unknown, unknown> | string,
  maybePath?: string,
): CompiledAggregation<unknown, unknown, unknown> {
  const path = (typeof combineFnOrPath === 'string' ? combineFnOrPath : maybePath) ?? 'aggregation';
  if (typeof spec !== 'object' || spec === null) throw new SpecError(path, `an aggregation is an object; got ${JSON.stringify(spec)}`);
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
  const windowFn = windowFnFromSpec(spec.window, `${path}.window`);
  const trigger = triggerFromSpec(spec.trigger, `${path}.trigger`);
  const allowedLatenessMs = parseDuration(spec.allowedLateness, `${path}.allowedLateness`);
  const combineFn =
    typeof combineFnOrPath === 'object'
      ? combineFnOrPath
      : (combinerFromMeasures((spec as AggregationSpec).measures, `${path}.measures`) as CombineFn<TimestampedValue<unknown>, unknown, unknown>);
  return { name: spec.name, windowFn, trigger, allowedLatenessMs, accumulation: spec.accumulation, combineFn };
}
