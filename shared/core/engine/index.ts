export { compileAggregation, type CompiledAggregation, type CompiledMeasuresAggregation, type EngineSpec } from './compile';
export { processBundle, initialPartitionState, timersDue } from './process-bundle';
export { planStep, type StepTime } from './plan-step';
export { runBatch, type BatchResult } from './batch';
export type {
  BundleInput,
  BundleResult,
  CollectedWindow,
  Element,
  KeyState,
  LateReason,
  LateRecord,
  PartitionState,
  PartitionTimers,
  WindowState,
} from './types';
