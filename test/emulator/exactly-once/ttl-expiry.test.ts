/**
 * Issue 14, failure 1 — ledger expiry vs Firestore's wall-clock TTL, on the emulators.
 *
 * iot-sensors' device_minute (1-minute windows, readings per device) fed keyed bundles whose
 * events are 150 minutes old (a backlog, a replay): applied through the served aggregator on the
 * Firestore emulator, then the TTL sweep Firestore would run a minute later by wall clock
 * (emulators/ttl-sweeper.ts), then every bundle delivered again, as Pub/Sub may within its
 * retention. Each event must count once: readings per window equal a plain loop over the input.
 * (Before the fix the ledger's `expireAt` was the event-time horizon, 2 hours in the past: the
 * sweep deleted it and every redelivered reading counted twice.)
 */
import { describe, expect, it } from 'vitest';
import { sweepExpired } from '../../../emulators/ttl-sweeper';
import type { KeyedRecord } from '../../../shared/messages';
import { getPipeline } from '../../../pipelines';
import { prng } from '../../unit/stages/aggregator/fixtures';
import { bundlesFor, clients, latestByWindow, Rig } from './rig';

const MIN = 60_000;
const START = 1_700_000_000_000;
const AGG = 'device_minute';
const pipeline = getPipeline('iot-sensors');
const partitions = pipeline.aggregations.find((a) => a.name === AGG)!.partitions;

// 300 readings of 10 devices over 4 minutes, 150 minutes before the aggregator's clock.
const rand = prng(150);
const T0 = START - 150 * MIN;
const records: KeyedRecord[] = Array.from({ length: 300 }, (_, i) => ({
  eventId: `ttl-${i}`,
  key: `dev-${Math.floor(rand() * 10)}`,
  eventTime: T0 + Math.floor((i * 4 * MIN) / 300) + Math.floor(rand() * 1500),
  value: { temperature_c: Math.round(rand() * 400) / 10, humidity_pct: Math.round(rand() * 1000) / 10 },
}));

/** The reference, by hand: readings and min/max temperature per device and minute, each event once. */
function reference(): Map<string, { readings: number; min: number; max: number }> {
  const out = new Map<string, { readings: number; min: number; max: number }>();
  for (const r of records) {
    const start = r.eventTime - (r.eventTime % MIN);
    const id = `${r.key}|${start}|${start + MIN}`;
    const t = r.value.temperature_c as number;
    const cur = out.get(id) ?? { readings: 0, min: Infinity, max: -Infinity };
    out.set(id, { readings: cur.readings + 1, min: Math.min(cur.min, t), max: Math.max(cur.max, t) });
  }
  return out;
}

const rig = new Rig(pipeline, { aggregation: AGG, startMs: START }).use('ttl');

describe('exactly once across a wall-clock TTL sweep while processing lags event time by 150 minutes', () => {
  it('redelivered bundles after the sweep are recognised as duplicates: readings per window equal the reference', async () => {
    const bundles = bundlesFor(pipeline.name, AGG, partitions, records, 25, 'ttl');
    const first = await rig.applyBundles(bundles);
    expect(first.reduce((n, d) => n + ((d.outcome as { applied?: number }).applied ?? 0), 0)).toBe(records.length);
    const ledger = await clients.firestore.collection(rig.topology.firestore.collections.ledger).get();
    expect(ledger.size).toBeGreaterThan(0);

    // Firestore's TTL, by the wall clock a minute later (the sweeper compares the Timestamps to it).
    rig.clock.advance(MIN);
    const swept = await sweepExpired(clients.firestore, rig.topology, rig.clock.now());
    const mine = swept.filter((d) => d.path.startsWith(`${rig.topology.firestore.pipelineDocument}/`));

    // Every bundle again, in order, as Pub/Sub redelivers within its retention.
    const again = await rig.applyBundles(bundles);
    const duplicates = again.reduce((n, d) => n + ((d.outcome as { duplicates?: number }).duplicates ?? 0), 0);

    // The idle timeout passes; ticks close every window.
    rig.clock.advance(30 * MIN);
    await rig.tickUntilQuiet();

    const latest = latestByWindow(await rig.paneRows(['readings', 'temperature_min', 'temperature_max']));
    const got = new Map([...latest].map(([id, r]) => [id, { readings: Number(r.readings), min: Number(r.temperature_min), max: Number(r.temperature_max) }]));
    expect(got).toEqual(reference());
    expect(duplicates).toBe(records.length);
    expect(mine.filter((d) => d.collectionGroup === 'ledger')).toEqual([]);
    expect(rig.deadLetters()).toEqual([]);
  }, 120_000);
});
