import type { Pane } from '../pane';
import { END_OF_TIME } from '../time';
import type { CompiledAggregation } from './compile';
import { initialPartitionState, processBundle } from './process-bundle';
import type { Element, LateRecord } from './types';

export interface BatchResult<O, I> {
  panes: Pane<O>[];
  /** Empty for a fresh run (nothing is behind the initial watermark); kept for symmetry with streaming. */
  late: LateRecord<I>[];
}

/**
 * Runs a bounded input through the same engine as streaming: all elements as one bundle, then the
 * final watermark `+∞`, which fires every window's final pane and garbage-collects it. Backfill and
 * replay use this, so their results equal what streaming would have produced with the watermark
 * held back.
 *
 * Processing time is frozen during a batch run (`processingTime`, default 0): processing-time
 * triggers therefore never fire early, and each window's data ends up in its final pane.
 */
export function runBatch<I, A, O>(
  agg: CompiledAggregation<I, A, O>,
  elements: readonly Element<I>[],
  options: { processingTime?: number } = {},
): BatchResult<O, I> {
  const processingTime = options.processingTime ?? 0;
  const result = processBundle(agg, initialPartitionState<A>(), { elements, watermark: END_OF_TIME, processingTime });
  return { panes: result.panes, late: result.late };
}
