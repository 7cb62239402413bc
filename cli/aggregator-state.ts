/**
 * The window aggregator's state as `sluice status` shows it: per aggregation, read from the
 * partition documents' summary fields (the same projection the tick reads, decoded with the
 * aggregator's own `decodeSummary`) — never re-parsed by hand.
 *
 * The watermark is computed exactly as the next tick would (`combineWatermarks` over the
 * partitions' estimates, never behind the last advanced one), so status and tick agree; the
 * outbox is the fired panes and late records not yet confirmed in BigQuery (`outboxCount`).
 */
import { MIN_TIMESTAMP } from '../shared/core/time';
import { combineWatermarks, watermarkPolicy } from '../shared/core/watermark';
import type { AnyPipeline } from '../shared/pipeline';
import type { StateStore } from '../shared/ports/state-store';
import { decodeSummary, SUMMARY_FIELDS, type PartitionSummary } from '../shared/stages/aggregator/partition-doc';
import type { Topology } from '../shared/topology';

/** One aggregation's state. Times are epoch ms; `null` where there is nothing yet. */
export interface AggregationState {
  aggregation: string;
  /** Partitions the definition declares. */
  partitions: number;
  /** Partition documents that exist (a partition appears with its first bundle or advance). */
  partitionDocs: number;
  /** The aggregation watermark the next tick would compute; null before any data. */
  watermark: number | null;
  /** `now − watermark`. */
  watermarkLagMs: number | null;
  /** The watermark carried by the last advance the partitions received. */
  lastAdvancedWatermark: number | null;
  /** Earliest pending event-time timer over the partitions (a window end, or a ledger expiry). */
  earliestEventTimer: number | null;
  /** Earliest pending processing-time timer (early firings). */
  earliestProcessingTimer: number | null;
  /** Fired panes and late records not yet confirmed in BigQuery, over all partitions. */
  outbox: number;
  /** Partitions holding an outbox. */
  partitionsWithOutbox: number;
  /** Processing time of the last committed transaction on any partition. */
  lastUpdatedAt: number | null;
  /** Records applied to state, over all partitions (exactly once each). */
  recordsApplied: number;
}

const minOf = (xs: Array<number | null>): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.min(...v) : null;
};
const maxOf = (xs: Array<number | null>): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
};
const real = (t: number): number | null => (t > MIN_TIMESTAMP ? t : null);

/** Summarises decoded partition summaries per aggregation of the pipeline, at processing time `now`. */
export function aggregationStates(pipeline: AnyPipeline, summaries: readonly PartitionSummary[], now: number): AggregationState[] {
  if (pipeline.aggregations.length === 0) return [];
  if (!pipeline.watermark) throw new RangeError(`pipeline ${pipeline.name} has aggregations but no watermark bounds`);
  const policy = watermarkPolicy(pipeline.watermark, 'watermark');
  return pipeline.aggregations.map((a) => {
    const parts = summaries.filter((s) => s.aggregation === a.name && s.partition < a.partitions);
    const previous = parts.length ? Math.max(...parts.map((s) => s.aggWatermark)) : MIN_TIMESTAMP;
    const watermark = parts.length ? real(combineWatermarks(policy, parts.map((s) => s.wm), now, previous)) : null;
    return {
      aggregation: a.name,
      partitions: a.partitions,
      partitionDocs: parts.length,
      watermark,
      watermarkLagMs: watermark === null ? null : now - watermark,
      lastAdvancedWatermark: real(previous),
      earliestEventTimer: minOf(parts.map((s) => s.timerEventTime)),
      earliestProcessingTimer: minOf(parts.map((s) => s.timerProcessingTime)),
      outbox: parts.reduce((n, s) => n + s.outboxCount, 0),
      partitionsWithOutbox: parts.filter((s) => s.outboxCount > 0).length,
      lastUpdatedAt: maxOf(parts.map((s) => s.updatedAt)),
      recordsApplied: parts.reduce((n, s) => n + s.counts.applied, 0),
    };
  });
}

/** Reads the partition summaries (one projection query, like the tick) and summarises them. */
export async function readAggregatorState(store: StateStore, topology: Topology, pipeline: AnyPipeline, now: number): Promise<AggregationState[]> {
  const docs = await store.list(topology.firestore.collections.partitions, [...SUMMARY_FIELDS]);
  return aggregationStates(pipeline, docs.map((d) => decodeSummary(d.data)), now);
}
