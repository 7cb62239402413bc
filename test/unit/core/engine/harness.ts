/**
 * A trigger/engine harness: one partition, a fake clock (watermark and processing time are set by
 * the test), in-memory state that is JSON round-tripped after every call (so anything that is not
 * plain JSON breaks the tests), and a list combiner so each pane shows exactly which values it holds.
 */
import type { CombineFn } from '../../../../shared/core/combiners/combine-fn';
import type { TimestampedValue } from '../../../../shared/core/combiners/timestamped-value';
import {
  compileAggregation,
  initialPartitionState,
  processBundle,
  type BundleResult,
  type CompiledAggregation,
  type Element,
  type EngineSpec,
  type PartitionState,
  type WindowState,
} from '../../../../shared/core/engine';
import type { Pane } from '../../../../shared/core/pane';

/** Collects values; output is the sorted list. Never mutates anything but its first argument. */
export const listFn: CombineFn<TimestampedValue<number>, number[], number[]> = {
  createAccumulator: () => [],
  addInput: (acc, el) => {
    acc.push(el.value);
    return acc;
  },
  mergeAccumulators: (accs) => {
    const [first, ...rest] = accs;
    const out = first ?? [];
    for (const a of rest) out.push(...a);
    return out;
  },
  extractOutput: (acc) => [...acc].sort((a, b) => a - b),
};

export const base: EngineSpec = {
  name: 'agg',
  window: { kind: 'fixed', size: '1m' },
  trigger: { kind: 'default' },
  allowedLateness: 0,
  accumulation: 'DISCARDING',
};

export class Harness {
  readonly agg: CompiledAggregation<number, number[], number[]>;
  state: PartitionState<number[]> = initialPartitionState();
  watermark: number;
  processingTime = 0;
  readonly panes: Pane<number[]>[] = [];
  last!: BundleResult<number[], number[], number>;

  constructor(spec: Partial<EngineSpec> = {}, start = { watermark: Number.NEGATIVE_INFINITY }) {
    this.agg = compileAggregation({ ...base, ...spec }, listFn);
    this.watermark = start.watermark;
  }

  /** Sends `[timestamp, value?, key?]` elements, optionally moving the clocks in the same call. */
  send(elements: Array<[number, number?, string?]>, clocks: { watermark?: number; processingTime?: number } = {}): BundleResult<number[], number[], number> {
    const els: Element<number>[] = elements.map(([timestamp, value, key]) => ({ key: key ?? 'k', timestamp, value: value ?? timestamp }));
    return this.call(els, clocks);
  }

  advance(clocks: { watermark?: number; processingTime?: number }): BundleResult<number[], number[], number> {
    return this.call([], clocks);
  }

  private call(elements: Element<number>[], clocks: { watermark?: number; processingTime?: number }): BundleResult<number[], number[], number> {
    if (clocks.watermark !== undefined) this.watermark = clocks.watermark;
    if (clocks.processingTime !== undefined) this.processingTime = clocks.processingTime;
    const r = processBundle(this.agg, this.state, { elements, watermark: this.watermark, processingTime: this.processingTime });
    this.state = JSON.parse(JSON.stringify(r.state)) as PartitionState<number[]>;
    this.panes.push(...r.panes);
    this.last = r;
    return r;
  }

  windows(key = 'k'): WindowState<number[]>[] {
    return this.state.keys.find((k) => k.key === key)?.windows ?? [];
  }

  /** Compact view of panes: [timing, index, nonSpeculativeIndex, isFirst, isLast, output]. */
  static brief(panes: readonly Pane<number[]>[]): Array<[string, number, number, boolean, boolean, number[]]> {
    return panes.map((p) => [p.pane.timing, p.pane.index, p.pane.nonSpeculativeIndex, p.pane.isFirst, p.pane.isLast, p.output]);
  }
}
