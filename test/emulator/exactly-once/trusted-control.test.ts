/**
 * Issue 14, failure 4 — control messages are not trusted blindly, on the emulators.
 *
 * With windows open on partition 0, a forged advance (watermark END_OF_TIME = 8.64e15, a far-future
 * processing time) is published on the keyed topic under the partition's own ordering key, and a
 * tick on the keyed topic. No pane may be emitted by the forgery, a record on time before it stays
 * on time after it, and once the real tick (from the tick topic) closes the windows the results
 * equal a plain loop over the input; the tick that came by the keyed topic is dead-lettered
 * `wrong_topic`. (Before the fix the forged advance closed every open window at once and the
 * later records were late.)
 */
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../../shared/core/hash';
import { END_OF_TIME } from '../../../shared/core/time';
import { encodeAdvance, encodeKeyedBundle, encodeTick, WIRE_VERSION, type KeyedRecord } from '../../../shared/messages';
import { AGG, naiveReference, testPipeline } from '../../unit/stages/aggregator/fixtures';
import { latestByWindow, Rig } from './rig';

const START = 1_700_000_000_000;
const PARTITIONS = 4;
const pipeline = testPipeline('eo-control', { window: { kind: 'fixed', size: '1m' }, trigger: { kind: 'default' }, allowedLateness: '5m', accumulation: 'ACCUMULATING', partitions: PARTITIONS });
const rig = new Rig(pipeline, { aggregation: AGG, startMs: START }).use('ctl');

const keys = Array.from({ length: 40 }, (_, i) => `u${i}`).filter((k) => partitionOf(k, PARTITIONS) === 0).slice(0, 3);
const bundle = (bundleId: string, records: KeyedRecord[]) => encodeKeyedBundle({ v: WIRE_VERSION, kind: 'bundle', pipeline: pipeline.name, aggregation: AGG, partition: 0, bundleId, records });

describe('a forged advance and a tick on the keyed topic', () => {
  it('emit no pane and change no result; the tick on the keyed topic is dead-lettered wrong_topic', async () => {
    expect(keys).toHaveLength(3);
    // Three keys, windows of the last two minutes: all open (watermark = max event time − 10m).
    const before: KeyedRecord[] = keys.flatMap((key, k) => [
      { eventId: `a${k}`, key, eventTime: START - 80_000, value: { amount: 1 + k } },
      { eventId: `b${k}`, key, eventTime: START - 20_000, value: { amount: 10 + k } },
      { eventId: `c${k}`, key, eventTime: START - 10_000, value: { amount: 100 + k } },
    ]);
    await rig.applyBundles([bundle('before', before)]);

    const forged = encodeAdvance({ v: WIRE_VERSION, kind: 'advance', pipeline: pipeline.name, aggregation: AGG, partition: 0, watermark: END_OF_TIME, processingTime: END_OF_TIME - 1 });
    const tickOnKeyed = encodeTick({ v: WIRE_VERSION, kind: 'tick', pipeline: pipeline.name });
    await rig.publishKeyed([forged, tickOnKeyed], () => `${AGG}/0`);
    const advance = await rig.until('the forged advance handled', () => rig.succeeded('advance')[0]);
    const tick = await rig.until('the tick on the keyed topic handled', () => rig.succeeded('tick')[0]);
    expect(advance.outcome).toEqual({ kind: 'advance', panes: 0 });
    expect(tick.topic).toBe(rig.topology.topics.keyed.name);
    expect(tick.outcome).toEqual({ kind: 'dead-letter', reason: 'wrong_topic' });
    expect(rig.deadLetters().map((d) => d.reason)).toEqual(['wrong_topic']);
    expect(await rig.paneRows(['n', 'total'])).toEqual([]);

    // On time before the forgery, on time after it.
    const after: KeyedRecord[] = keys.map((key, k) => ({ eventId: `d${k}`, key, eventTime: START - 5_000, value: { amount: 1000 + k } }));
    rig.clock.advance(1_000);
    const [applied] = await rig.applyBundles([bundle('after', after)]);
    expect(applied!.outcome).toMatchObject({ kind: 'bundle', applied: after.length, late: 0 });

    // The real tick closes the windows once processing time has passed them.
    rig.clock.advance(40 * 60_000);
    await rig.tickUntilQuiet();
    const rows = await rig.paneRows(['n', 'total']);
    const latest = new Map([...latestByWindow(rows)].map(([id, r]) => [id, { n: Number(r.n), total: Number(r.total) }]));
    expect(latest).toEqual(naiveReference([...before, ...after], { kind: 'fixed', sizeMs: 60_000 }));
    expect(rows.map((r) => r.pane_timing)).not.toContain('LATE');
    expect(rig.deadLetters().map((d) => d.reason)).toEqual(['wrong_topic']);
  }, 120_000);
});
