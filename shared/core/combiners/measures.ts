import { SpecError } from '../errors';
import type { MeasureSpec } from '../spec';
import {
  APPROX_DISTINCT_MAX_PRECISION,
  APPROX_DISTINCT_MIN_PRECISION,
  approxDistinctFn,
} from './approx-distinct';
import { APPROX_QUANTILES_MAX_ACCURACY, APPROX_QUANTILES_MIN_ACCURACY, approxQuantilesFn } from './approx-quantiles';
import type { CombineFn } from './combine-fn';
import { type ComposedCombineFn, createTupleAccumulator, mergeTupleAccumulators } from './compose';
import { countFn } from './count';
import { maxFn, minFn } from './extremum';
import { compileFieldPath, fieldPathProblem, type FieldReader } from './field-path';
import { addLatest, latestFn, type LatestAccumulator } from './latest';
import { meanFn } from './mean';
import type { SkippedCounts } from './skipped-counts';
import { addNumber, sumFn, type SumAccumulator } from './sum';
import type { TimestampedValue } from './timestamped-value';
import { TOP_K_MAX_K, topKFn } from './top-k';

/** What the measure combiner consumes: a record and its event time (for `latest`). */
export type MeasureInput = TimestampedValue<Record<string, unknown>>;

/**
 * One combiner for all the measures of an aggregation. Its output has one entry per measure name:
 *
 * | kind              | output                                   | empty / all skipped |
 * |-------------------|------------------------------------------|---------------------|
 * | `count`           | number of records (`COUNT(*)`)           | `0`                 |
 * | `sum`             | compensated (Neumaier) sum               | `null`              |
 * | `mean`            | compensated sum / count                  | `null`              |
 * | `min`, `max`      | number                                   | `null`              |
 * | `latest`          | value with the greatest event time       | `null`              |
 * | `approxDistinct`  | HyperLogLog estimate (integer)           | `0`                 |
 * | `approxQuantiles` | one estimate per requested quantile      | `null`              |
 * | `topK`            | `{items: [{value, count}], maxError}`    | `{items: [], …}`    |
 *
 * Field values: `null` and missing fields are skipped, as SQL aggregates skip NULL. Values of the
 * wrong type (a string where a number is needed — numeric strings are not coerced — `NaN`,
 * objects for scalar measures) are skipped too, but counted per measure as `invalid`, and
 * `skipped(acc)` reports both counts, so a result computed from partly bad data is never
 * silently wrong.
 */
export interface MeasuresCombineFn extends ComposedCombineFn<MeasureInput, Record<string, unknown>> {
  /** Per measure with a field: how many inputs were null/missing and how many invalid. */
  skipped(accumulator: unknown[]): Record<string, SkippedCounts>;
}

const KINDS = ['count', 'sum', 'min', 'max', 'mean', 'latest', 'approxDistinct', 'approxQuantiles', 'topK'] as const;
/** Measure names become BigQuery columns. */
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Checks measure specs and throws `SpecError(path, rule)` for the first problem: an empty list,
 * names that are not column names or repeat, unknown kinds, missing or malformed fields,
 * precision outside 4..16, accuracy outside [0.0001, 0.5], quantiles outside [0, 1], k outside
 * 1..1000. `path` prefixes the error path (e.g. `aggregations[0].measures`).
 */
export function validateMeasures(measures: unknown, path = 'measures'): asserts measures is MeasureSpec[] {
  if (!Array.isArray(measures) || measures.length === 0) {
    throw new SpecError(path, 'an aggregation needs at least one measure, e.g. [{ name: "events", kind: "count" }]');
  }
  const seen = new Map<string, number>();
  measures.forEach((m: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof m !== 'object' || m === null) throw new SpecError(at, `a measure must be an object with name and kind; got ${JSON.stringify(m)}`);
    const spec = m as Record<string, unknown>;
    const name = spec.name;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new SpecError(`${at}.name`, `measure name must be a column name (a letter or _, then letters, digits or _, at most 128); got ${JSON.stringify(name)}`);
    }
    const previous = seen.get(name);
    if (previous !== undefined) throw new SpecError(`${at}.name`, `measure names must be unique; '${name}' is also ${path}[${previous}]`);
    seen.set(name, i);
    const kind = spec.kind;
    if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
      throw new SpecError(`${at}.kind`, `measure kind must be one of ${KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
    }
    if (kind === 'count') {
      if (spec.field !== undefined) {
        throw new SpecError(`${at}.field`, "count counts every record and takes no field; to count a field's values use approxDistinct, or filter the records first");
      }
      return;
    }
    const problem = fieldPathProblem(spec.field);
    if (problem !== null) throw new SpecError(`${at}.field`, problem);
    if (kind === 'approxDistinct' && spec.precision !== undefined) {
      const p = spec.precision;
      if (typeof p !== 'number' || !Number.isInteger(p) || p < APPROX_DISTINCT_MIN_PRECISION || p > APPROX_DISTINCT_MAX_PRECISION) {
        throw new SpecError(
          `${at}.precision`,
          `precision must be a whole number in ${APPROX_DISTINCT_MIN_PRECISION}..${APPROX_DISTINCT_MAX_PRECISION} (2^precision registers, standard error 1.04/√2^precision); got ${JSON.stringify(p)}`,
        );
      }
    }
    if (kind === 'approxQuantiles') {
      const qs = spec.quantiles;
      if (!Array.isArray(qs) || qs.length === 0) throw new SpecError(`${at}.quantiles`, `quantiles must be a non-empty array of numbers in [0, 1], e.g. [0.5, 0.95, 0.99]; got ${JSON.stringify(qs)}`);
      qs.forEach((q: unknown, j) => {
        if (typeof q !== 'number' || !(q >= 0 && q <= 1)) throw new SpecError(`${at}.quantiles[${j}]`, `a quantile must be a number in [0, 1]; got ${JSON.stringify(q)}`);
      });
      const a = spec.accuracy;
      if (a !== undefined && (typeof a !== 'number' || !(a >= APPROX_QUANTILES_MIN_ACCURACY && a <= APPROX_QUANTILES_MAX_ACCURACY))) {
        throw new SpecError(
          `${at}.accuracy`,
          `accuracy is the relative error of a quantile estimate and must be in [${APPROX_QUANTILES_MIN_ACCURACY}, ${APPROX_QUANTILES_MAX_ACCURACY}]; got ${JSON.stringify(a)}`,
        );
      }
    }
    if (kind === 'topK') {
      const k = spec.k;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > TOP_K_MAX_K) {
        throw new SpecError(`${at}.k`, `k must be a whole number in 1..${TOP_K_MAX_K}; got ${JSON.stringify(k)}`);
      }
    }
  });
}

/**
 * How a measure's state is kept. Measures that need the same state on the same field share it:
 * `sum` and `mean` of `amount` keep one compensated sum, so each input is added once and the
 * accumulator is smaller.
 */
const State = { COUNT: 0, SUM: 1, MIN: 2, MAX: 3, LATEST: 4, OTHER: 5 } as const;
type StateCode = (typeof State)[keyof typeof State];

interface StatePlan {
  code: StateCode;
  /** The field's name when the path has one segment (a direct property load), else `null`. */
  key: string | null;
  read: FieldReader | null;
  fn: CombineFn<unknown, unknown, unknown>;
}

interface OutputPlan {
  name: string;
  state: number;
  output: (acc: unknown) => unknown;
}

function stateFor(spec: MeasureSpec): { code: StateCode; dedupe: string | null; fn: CombineFn<unknown, unknown, unknown>; output?: (acc: unknown) => unknown } {
  const cf = <A, O>(fn: CombineFn<unknown, A, O>) => fn as CombineFn<unknown, unknown, unknown>;
  switch (spec.kind) {
    case 'count':
      return { code: State.COUNT, dedupe: 'count', fn: cf(countFn()) };
    case 'sum':
      return { code: State.SUM, dedupe: `sum:${spec.field}`, fn: cf(sumFn()) };
    case 'mean':
      return { code: State.SUM, dedupe: `sum:${spec.field}`, fn: cf(sumFn()), output: cf(meanFn()).extractOutput };
    case 'min':
      return { code: State.MIN, dedupe: `min:${spec.field}`, fn: cf(minFn()) };
    case 'max':
      return { code: State.MAX, dedupe: `max:${spec.field}`, fn: cf(maxFn()) };
    case 'latest':
      return { code: State.LATEST, dedupe: `latest:${spec.field}`, fn: cf(latestFn()) };
    case 'approxDistinct':
      return { code: State.OTHER, dedupe: null, fn: cf(approxDistinctFn({ precision: spec.precision })) };
    case 'approxQuantiles':
      return { code: State.OTHER, dedupe: null, fn: cf(approxQuantilesFn({ quantiles: spec.quantiles, accuracy: spec.accuracy })) };
    case 'topK':
      return { code: State.OTHER, dedupe: null, fn: cf(topKFn({ k: spec.k })) };
  }
}

/**
 * Validates `measures` (throwing `SpecError` with `path`) and builds one combiner for all of them
 * over `{value: record, timestamp}` inputs — the engine's own element objects fit as they are.
 * Build it once per aggregation: field paths are compiled and states planned here, so `addInput`
 * is one fused loop with no string work, no closures created and no allocation for the exact
 * measures (count, sum, mean, min, max, latest).
 *
 * The accumulator is a JSON array with one state per distinct (state kind, field) — not one per
 * measure — in the order the measures first need them.
 */
export function combinerFromMeasures(measures: readonly MeasureSpec[], path = 'measures'): MeasuresCombineFn {
  validateMeasures(measures, path);
  const states: StatePlan[] = [];
  const byDedupe = new Map<string, number>();
  const outputs: OutputPlan[] = [];
  const skippedFrom: [string, number][] = [];
  for (const spec of measures) {
    const plan = stateFor(spec);
    let index = plan.dedupe === null ? undefined : byDedupe.get(plan.dedupe);
    if (index === undefined) {
      index = states.length;
      const field = spec.kind === 'count' ? null : spec.field;
      states.push({
        code: plan.code,
        key: field !== null && !field.includes('.') ? field : null,
        read: field === null ? null : compileFieldPath(field),
        fn: plan.fn,
      });
      if (plan.dedupe !== null) byDedupe.set(plan.dedupe, index);
    }
    outputs.push({ name: spec.name, state: index, output: plan.output ?? plan.fn.extractOutput });
    if (spec.kind !== 'count') skippedFrom.push([spec.name, index]);
  }

  const n = states.length;
  const codes = states.map((s) => s.code);
  const keys = states.map((s) => s.key);
  const readers = states.map((s) => s.read);
  const fns = states.map((s) => s.fn);

  const createAccumulator = (): unknown[] => createTupleAccumulator(fns);

  return {
    names: outputs.map((o) => o.name),
    createAccumulator,
    addInput(acc, input) {
      const record = input.value;
      for (let i = 0; i < n; i++) {
        const code = codes[i];
        if (code === State.COUNT) {
          acc[i] = (acc[i] as number) + 1;
          continue;
        }
        const key = keys[i] as string | null;
        const x = key !== null ? record[key] : (readers[i] as FieldReader)(record);
        switch (code) {
          case State.SUM:
            addNumber(acc[i] as SumAccumulator, x);
            break;
          case State.MIN:
          case State.MAX:
          case State.OTHER:
            (fns[i] as CombineFn<unknown, unknown, unknown>).addInput(acc[i], x);
            break;
          case State.LATEST:
            addLatest(acc[i] as LatestAccumulator, x, input.timestamp);
            break;
        }
      }
      return acc;
    },
    mergeAccumulators: (accs) => mergeTupleAccumulators(fns, accs),
    extractOutput(acc) {
      const out: Record<string, unknown> = {};
      for (const o of outputs) out[o.name] = o.output(acc[o.state]);
      return out;
    },
    skipped(acc) {
      const out: Record<string, SkippedCounts> = {};
      for (const [name, i] of skippedFrom) {
        const a = acc[i] as SkippedCounts;
        out[name] = { nulls: a.nulls, invalid: a.invalid };
      }
      return out;
    },
  };
}
