/**
 * Drives the real window aggregator (its handler, over any StateStore) so status tests read
 * partition documents the aggregator itself wrote: bundles of iot-sensors readings delivered while BigQuery
 * refuses every insert, so the panes they fire stay in the outbox, then the tick's own watermark. Also computes, with plain loops, what the documents must then say.
 */
import { getPipeline } from '../../../pipelines';
import { partitionOf } from '../../../shared/core/hash';
import { KeyedBundleBuilder, WIRE_VERSION, type KeyedRecord } from '../../../shared/messages';
import type { AnyPipeline } from '../../../shared/pipeline';
import { FakeClock } from '../../../shared/ports/clock';
import { FakePublisher } from '../../../shared/ports/publisher';
import type { Row, Sink } from '../../../shared/ports/sink';
import type { StateStore } from '../../../shared/ports/state-store';
import { createAggregatorHandler } from '../../../shared/stages/aggregator';
import { cloudEvent } from '../stages/aggregator/fixtures';
import type { Topology } from '../../../shared/topology';

const MIN = 60_000;

/** A sink that refuses every insert (BigQuery down) and remembers what it was asked to write. */
export class RefusingSink implements Sink {
  readonly attempted: Array<{ table: string; row: Row }> = [];
  async insert(table: string, rows: Row[]): Promise<void> {
    for (const row of rows) this.attempted.push({ table, row });
    throw new Error('BigQuery unavailable (test)');
  }
}

export interface ScenarioResult {
  pipeline: AnyPipeline;
  /** Processing time after the advances. */
  now: number;
  /** The aggregation watermark the tick computed at `now`. */
  tickWatermark: number;
  records: KeyedRecord[];
  /** Partitions that received records. */
  partitions: Set<number>;
  /** Windows (key|start) whose end ≤ their partition's watermark: each fired exactly one on-time pane. */
  expectedOnTimePanes: number;
  sink: RefusingSink;
}

/** Runs the scenario against `store`; `topology` names the collections (use a unique prefix on the emulator). */
export async function runAggregatorScenario(store: StateStore, topology: Topology, startMs: number): Promise<ScenarioResult> {
  const pipeline = getPipeline('iot-sensors');
  const agg = pipeline.aggregations[0]!;
  const clock = new FakeClock(startMs);
  const sink = new RefusingSink();
  const publisher = new FakePublisher();
  const handler = createAggregatorHandler({ pipeline, topology, store, sink, publisher, clock, options: { newEpoch: () => 'epoch' } });
  const deliver = async (data: string | Buffer): Promise<void> => {
    try {
      const isTick = Buffer.from(data).toString('utf8').includes('"kind":"tick"');
      await handler(cloudEvent(data, isTick ? topology.topics.tick.name : topology.topics.keyed.name));
    } catch (err) {
      if (process.env.SCENARIO_DEBUG) console.error(err);
      // The refused insert throws after the commit: Pub/Sub would redeliver; the outbox stays.
    }
  };

  // 7 devices, readings every 9 s over six minutes ending three minutes before "now".
  const records: KeyedRecord[] = [];
  const t0 = Math.floor((startMs - 9 * MIN) / MIN) * MIN;
  for (let i = 0; i < 40; i++) {
    const key = `dev-${i % 7}`;
    records.push({ eventId: `r${i}`, key, eventTime: t0 + i * 9_000, value: { temperature_c: 20 + (i % 5), humidity_pct: 40 + (i % 3) } });
  }
  const builders = new Map<number, KeyedBundleBuilder>();
  for (const r of records) {
    const p = partitionOf(r.key, agg.partitions);
    let b = builders.get(p);
    if (!b) builders.set(p, (b = new KeyedBundleBuilder(pipeline.name, agg.name, p)));
    b.add(r);
  }
  for (const b of builders.values()) {
    clock.advance(10);
    await deliver(b.flush()!.data);
  }
  // Past the outbox grace: the tick would now send advances to confirm the outboxes.
  clock.advance(61_000);
  const tick = await handler.aggregator.tick({ v: WIRE_VERSION, kind: 'tick', pipeline: pipeline.name });
  const tickWatermark = tick.watermarks[agg.name];
  if (tickWatermark === undefined) throw new Error(`the tick computed no watermark for ${agg.name}`);

  // Naive reference: each partition fired with its own watermark (max event time − 30 s, the
  // pipeline's maxOutOfOrderness) the windows of its records that end at or before it.
  const windows = new Set<string>();
  for (const p of new Set(records.map((r) => partitionOf(r.key, agg.partitions)))) {
    const mine = records.filter((r) => partitionOf(r.key, agg.partitions) === p);
    const wm = Math.max(...mine.map((r) => r.eventTime)) - 30_000;
    for (const r of mine) if (Math.floor(r.eventTime / MIN) * MIN + MIN <= wm) windows.add(`${r.key}|${Math.floor(r.eventTime / MIN)}`);
  }
  return {
    pipeline,
    now: clock.now(),
    tickWatermark,
    records,
    partitions: new Set(records.map((r) => partitionOf(r.key, agg.partitions))),
    expectedOnTimePanes: windows.size,
    sink,
  };
}
