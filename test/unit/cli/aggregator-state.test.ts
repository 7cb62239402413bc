import { describe, expect, it } from 'vitest';
import { aggregationStates, readAggregatorState } from '../../../cli/aggregator-state';
import { getPipeline } from '../../../pipelines';
import { MIN_TIMESTAMP } from '../../../shared/core/time';
import { FakeStateStore } from '../../../shared/ports/state-store';
import { topologyFor } from '../../../shared/topology';
import { runAggregatorScenario } from './aggregator-scenario';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('aggregator state for sluice status', () => {
  it('reads the documents the aggregator wrote: the tick’s watermark, partitions, outbox = panes refused by BigQuery', async () => {
    const store = new FakeStateStore();
    const topology = topologyFor(getPipeline('iot-sensors'), { project: 'sluice-test', region: 'europe-west1', env: 'local' });
    const s = await runAggregatorScenario(store, topology, START);
    const [state, ...rest] = await readAggregatorState(store, topology, s.pipeline, s.now);
    expect(rest).toEqual([]);
    const refused = new Set(s.sink.attempted.map((a) => `${a.table}|${a.row.insertId}`));
    expect(s.expectedOnTimePanes).toBeGreaterThan(0);
    expect(s.sink.attempted.every((a) => a.table === 'device_minute_panes')).toBe(true);
    expect(refused.size).toBe(s.expectedOnTimePanes);
    expect(state).toMatchObject({
      aggregation: 'device_minute',
      partitions: 4,
      partitionDocs: s.partitions.size,
      watermark: s.tickWatermark,
      watermarkLagMs: s.now - s.tickWatermark,
      outbox: s.expectedOnTimePanes,
      // Every record applied once, committed with the state (the refused inserts come after it).
      recordsApplied: s.records.length,
    });
    // No advance was delivered yet: nothing carried an aggregation watermark.
    expect(state!.lastAdvancedWatermark).toBeNull();
    expect(state!.earliestEventTimer).not.toBeNull();
  });

  it('an aggregation without partition documents reports nothing yet; partitions beyond the definition are ignored', () => {
    const p = getPipeline('iot-sensors');
    const summary = (partition: number, watermark: number, outboxCount: number) => ({
      aggregation: 'device_minute',
      partition,
      wm: { maxEventTime: watermark + 30_000, lastEventAt: START, watermark },
      aggWatermark: MIN_TIMESTAMP,
      timerEventTime: null,
      timerProcessingTime: null,
      outboxCount,
      updatedAt: START,
      counts: { applied: 10 * (partition + 1), late: partition },
    });
    expect(aggregationStates(p, [], START)).toEqual([
      expect.objectContaining({ aggregation: 'device_minute', partitionDocs: 0, watermark: null, watermarkLagMs: null, outbox: 0 }),
    ]);
    const st = aggregationStates(p, [summary(0, START - 90_000, 2), summary(1, START - 60_000, 0), summary(9, 0, 5)], START)[0]!;
    expect(st.partitionDocs).toBe(2);
    expect(st.outbox).toBe(2);
    expect(st.partitionsWithOutbox).toBe(1);
    expect(st.recordsApplied).toBe(10 + 20);
    // Both partitions are active (last event now): the aggregation watermark is the slower one's.
    expect(st.watermark).toBe(START - 90_000);
    expect(st.watermarkLagMs).toBe(90_000);
  });
});
