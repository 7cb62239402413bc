export type { AccumulatorOf, CombineFn, OutputOf } from './combine-fn';
export type { TimestampedValue } from './timestamped-value';
export type { SkippedCounts } from './skipped-counts';
export { countFn, type CountAccumulator } from './count';
export { sumFn, type SumAccumulator } from './sum';
export { meanFn, type MeanAccumulator } from './mean';
export { minFn, maxFn, type ExtremumAccumulator } from './extremum';
export { latestFn, type LatestAccumulator } from './latest';
export {
  approxDistinctFn,
  approxDistinctStandardError,
  APPROX_DISTINCT_DEFAULT_PRECISION,
  APPROX_DISTINCT_MAX_PRECISION,
  APPROX_DISTINCT_MIN_PRECISION,
  type ApproxDistinctAccumulator,
} from './approx-distinct';
export {
  approxQuantilesFn,
  APPROX_QUANTILES_DEFAULT_ACCURACY,
  APPROX_QUANTILES_DEFAULT_MAX_BINS,
  APPROX_QUANTILES_MAX_ACCURACY,
  APPROX_QUANTILES_MIN_ACCURACY,
  type ApproxQuantilesAccumulator,
  type ApproxQuantilesOptions,
  type BucketStore,
} from './approx-quantiles';
export { topKFn, TOP_K_MAX_K, type TopKAccumulator, type TopKItem } from './top-k';
export { composeCombiners, type ComposedAccumulator, type ComposedCombineFn, type ComposedOutput } from './compose';
export { combinerFromMeasures, validateMeasures, type MeasureInput, type MeasuresCombineFn } from './measures';
export { compileFieldPath, type FieldReader } from './field-path';
export { murmur3 } from './murmur3';
export { canonicalJson, scalarKey, type ScalarValue } from './value-key';
