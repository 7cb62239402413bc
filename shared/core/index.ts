/**
 * sluice's pure windowing/combine core: Beam's model (event-time windows, watermarks, triggers,
 * allowed lateness, panes, combiners) as pure functions over plain-JSON state. No I/O, no clock,
 * no randomness: time comes in as arguments.
 */
export { MIN_TIMESTAMP, END_OF_TIME, MIN_STORABLE_TIME, MAX_STORABLE_TIME, isStorableTime, maxTimestamp, windowContains, floorMod, clampTime, isValidTimestamp, formatTime, formatWindow, type Window } from './time';
export { parseDuration, parsePositiveDuration, formatDuration } from './duration';
export {
  windowFnFromSpec,
  fixedWindows,
  slidingWindows,
  sessionWindows,
  globalWindows,
  mergeOverlapping,
  GLOBAL_WINDOW,
  type WindowFn,
  type WindowKind,
  type MergeGroup,
} from './windows';
export { triggerFromSpec, Trigger, type TriggerContext, type TriggerTimers } from './triggers';
export {
  watermarkPolicy,
  initialWatermarkState,
  observeEvents,
  advanceWatermark,
  isIdle,
  combineWatermarks,
  type WatermarkPolicy,
  type WatermarkState,
} from './watermark';
export { Timing, paneId, type Pane, type PaneInfo, type PaneTiming } from './pane';
export {
  compileAggregation,
  processBundle,
  initialPartitionState,
  timersDue,
  runBatch,
  type CompiledAggregation,
  type CompiledMeasuresAggregation,
  type EngineSpec,
  type BatchResult,
  type BundleInput,
  type BundleResult,
  type CollectedWindow,
  type Element,
  type KeyState,
  type LateReason,
  type LateRecord,
  type PartitionState,
  type PartitionTimers,
  type WindowState,
} from './engine';
export { combinerFromMeasures, validateMeasures, type CombineFn, type MeasuresCombineFn, type MeasureInput, type TimestampedValue } from './combiners';
export { SpecError, ConfigError, DecodeError, LimitError, TransientError, SluiceError, isRetryable, permanentReason } from './errors';
export { fnv1a32, sha256Hex, partitionOf } from './hash';
export { Accumulation, type AccumulationMode, type AggregationSpec, type DurationInput, type MeasureSpec, type TriggerSpec, type WindowSpec } from './spec';
export { wallClockExpiry, type ExpiryInput } from './expiry';
