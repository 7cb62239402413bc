/**
 * Property: whatever the delivery schedule — bundle sizes, duplicate publishes, re-composed
 * redeliveries, shuffled order, crashes at any fault point on any message, ticks in between — the
 * latest pane per window equals the plain-loop reference over the unique records; records that
 * arrive after their windows expired all reach late_data, once per id, and change no pane.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../../../shared/core/hash';
import { FailOnceInjector } from '../../../../shared/stages/aggregator';
import { bundlesOf, diffResults, latestPanes, makeRecords, naiveReference, prng, shuffle, testPipeline } from './fixtures';
import { Harness } from './harness';

const MIN = 60_000;
const START = 1_700_000_000_000;

describe('WindowAggregator exactly-once (property)', () => {
  it('any schedule of duplicates, shuffles, crashes and ticks gives the reference results', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          count: fc.integer({ min: 1, max: 400 }),
          keys: fc.integer({ min: 1, max: 12 }),
          partitions: fc.integer({ min: 1, max: 4 }),
          perBundle: fc.integer({ min: 1, max: 80 }),
          dupRate: fc.double({ min: 0, max: 0.6, noNaN: true }),
          crashRate: fc.double({ min: 0, max: 0.8, noNaN: true }),
          tickEvery: fc.integer({ min: 0, max: 10 }),
          sessions: fc.boolean(),
        }),
        async (c) => {
          const window = c.sessions ? ({ kind: 'sessions', gap: '15s' } as const) : ({ kind: 'fixed', size: '1m' } as const);
          const p = testPipeline('agg-prop', {
            window,
            trigger: { kind: 'afterWatermark', early: { kind: 'afterCount', count: 7 }, late: { kind: 'afterCount', count: 1 } },
            allowedLateness: '5m',
            accumulation: 'ACCUMULATING',
            partitions: c.partitions,
          });
          const rand = prng(c.seed);
          const faults = new FailOnceInjector(() => rand() < c.crashRate);
          const h = new Harness(p, { startMs: START, faults });
          const records = makeRecords(c.count, c.keys, START - 30 * MIN, 5 * MIN, c.seed);
          const bundles = bundlesOf(p.name, records, c.partitions, c.perBundle);
          const extra = bundlesOf(p.name, shuffle(records.filter(() => rand() < c.dupRate), rand), c.partitions, Math.max(1, c.perBundle >> 1));
          const schedule = shuffle([...bundles, ...bundles.filter(() => rand() < c.dupRate), ...extra], rand);
          for (let i = 0; i < schedule.length; i++) {
            h.clock.advance(200);
            await h.deliver(schedule[i]!);
            if (c.tickEvery > 0 && i % c.tickEvery === 0) await h.tickOnce();
          }
          h.clock.advance(40 * MIN);
          await h.tickUntilQuiet(20);
          const ref = naiveReference(records, c.sessions ? { kind: 'sessions', gapMs: 15_000 } : { kind: 'fixed', sizeMs: MIN });
          expect(diffResults(latestPanes(h.paneRows(), c.sessions), ref)).toEqual([]);
          expect(await h.ledgerDocs()).toEqual([]);

          // Then records for the same, long-closed windows, with duplicates: all to late_data, once per id.
          // (Lateness is judged per partition: only partitions that have a watermark can find a record late.)
          const seen = new Set(records.map((r) => partitionOf(r.key, c.partitions)));
          const late = makeRecords(Math.ceil(c.count / 4), c.keys, START - 30 * MIN, 5 * MIN, c.seed + 1, 'late-').filter((r) => seen.has(partitionOf(r.key, c.partitions)));
          const lateBundles = bundlesOf(p.name, late, c.partitions, c.perBundle);
          for (const b of shuffle([...lateBundles, ...lateBundles.filter(() => rand() < c.dupRate)], rand)) await h.deliver(b);
          await h.tickUntilQuiet(20);
          expect(diffResults(latestPanes(h.paneRows(), c.sessions), ref)).toEqual([]);
          const lateIds = new Set((h.sink.tables.get('late_data') ?? []).map((r) => r.insertId));
          expect(lateIds.size).toBe(late.length);
          expect(new Set((h.sink.tables.get('late_data') ?? []).map((r) => r.json.event_id))).toEqual(new Set(late.map((r) => r.eventId)));
          expect(await h.ledgerDocs()).toEqual([]);
        },
      ),
      { numRuns: 100, seed: 20261121 },
    );
  }, 120_000);
});
