/**
 * Declarative, JSON-serialisable specifications shared by the core, the pipeline definition,
 * the topology and the infrastructure. A spec is data; the core's factories turn it into
 * behaviour and throw a `SpecError` that states the rule when it is invalid.
 *
 * Times are epoch milliseconds. Windows are half-open `[start, end)`; `maxTimestamp = end - 1`.
 */

/** `'250ms'`, `'30s'`, `'5m'`, `'1h'`, `'2d'`, a whole number of milliseconds, or `{minutes: 5}`. */
export type DurationInput =
  | string
  | number
  | { days?: number; hours?: number; minutes?: number; seconds?: number; millis?: number };

export type WindowSpec =
  | { kind: 'fixed'; size: DurationInput; offset?: DurationInput }
  | { kind: 'sliding'; size: DurationInput; period: DurationInput; offset?: DurationInput }
  | { kind: 'sessions'; gap: DurationInput }
  | { kind: 'global' };

export type TriggerSpec =
  /** Beam's default: fire when the watermark passes the end of the window, then on every late element. */
  | { kind: 'default' }
  | { kind: 'afterWatermark'; early?: TriggerSpec; late?: TriggerSpec }
  | { kind: 'afterCount'; count: number }
  | { kind: 'afterProcessingTime'; delay: DurationInput; alignTo?: DurationInput; alignOffset?: DurationInput }
  | { kind: 'repeatedly'; trigger: TriggerSpec }
  | { kind: 'afterEach'; triggers: TriggerSpec[] }
  /** `afterAny` is an alias of `afterFirst` (Beam's Java and Python names). */
  | { kind: 'afterFirst' | 'afterAny'; triggers: TriggerSpec[] }
  | { kind: 'afterAll'; triggers: TriggerSpec[] }
  | { kind: 'orFinally'; main: TriggerSpec; until: TriggerSpec }
  | { kind: 'never' };

export const Accumulation = {
  DISCARDING: 'DISCARDING',
  ACCUMULATING: 'ACCUMULATING',
} as const;
export type AccumulationMode = (typeof Accumulation)[keyof typeof Accumulation];

/** One measure of an aggregation; `name` is the output column. `field` is a dotted path into the record. */
export type MeasureSpec =
  | { name: string; kind: 'count' }
  | { name: string; kind: 'sum' | 'min' | 'max' | 'mean' | 'latest'; field: string }
  /** HyperLogLog with 2^precision registers (4..16); relative standard error ≈ 1.04 / sqrt(2^precision). */
  | { name: string; kind: 'approxDistinct'; field: string; precision?: number }
  /** A mergeable quantile sketch; `quantiles` in [0, 1]. */
  | { name: string; kind: 'approxQuantiles'; field: string; quantiles: number[]; accuracy?: number }
  | { name: string; kind: 'topK'; field: string; k: number };

/** What the engine needs to know about one windowed aggregation. */
export interface AggregationSpec {
  name: string;
  window: WindowSpec;
  trigger: TriggerSpec;
  /** Explicit: how long after the end of a window late data is still accepted. `0` is a valid choice. */
  allowedLateness: DurationInput;
  /** Explicit: whether each pane carries everything so far (ACCUMULATING) or only what is new (DISCARDING). */
  accumulation: AccumulationMode;
  measures: MeasureSpec[];
}
