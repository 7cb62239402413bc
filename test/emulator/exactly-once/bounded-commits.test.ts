/**
 * Issue 14, failure 2 — no commit may be unbounded, on the emulators.
 *
 * One partition holds 3,000 keys × 10 open one-minute windows; hours of processing time later one
 * tick makes the watermark jump past all 30,000 windows. The aggregator runs on the Firestore
 * emulator behind the enforcing wrapper, which refuses a commit over Firestore's 10 MiB request
 * limit with INVALID_ARGUMENT as Firestore does (the emulator itself stalls on one). Every pane
 * must reach BigQuery once — the latest-pane view equals a plain loop over the input — and none
 * may be dead-lettered. (Before the fix the jump fired all 30,000 panes in one ~19 MiB commit: the
 * partition retried that commit for ever.)
 */
import { describe, expect, it } from 'vitest';
import type { KeyedRecord } from '../../../shared/messages';
import { AGG, naiveReference, testPipeline } from '../../unit/stages/aggregator/fixtures';
import { bundlesFor, clients, repeatedPaneIds, Rig, tsMillis } from './rig';

const MIN = 60_000;
const START = 1_700_000_000_000;
const T0 = START - 60 * MIN;
const KEYS = 3_000;
const WINDOWS = 10;
const pipeline = testPipeline('eo-jump', { window: { kind: 'fixed', size: '1m' }, trigger: { kind: 'default' }, allowedLateness: '5m', accumulation: 'ACCUMULATING', partitions: 1 });
const rig = new Rig(pipeline, { aggregation: AGG, startMs: START }).use('jump');

describe('a watermark jump over 3,000 keys × 10 open windows on one partition', () => {
  it('completes in commits Firestore accepts: every pane once in BigQuery, equal to the reference, nothing dead-lettered', async () => {
    const records: KeyedRecord[] = [];
    for (let k = 0; k < KEYS; k++) for (let m = 0; m < WINDOWS; m++) records.push({ eventId: `j${k}-${m}`, key: `key-${k}`, eventTime: T0 + m * MIN + (k % 50) * 1000, value: { amount: 1 + (k % 7) } });
    await rig.applyBundles(bundlesFor(pipeline.name, AGG, 1, records, 1000, 'jump'), 180_000);
    expect(await rig.paneRows(['n', 'total'])).toEqual([]);

    // Two hours of processing time later, one tick: the watermark passes all 30,000 windows at once.
    const commitsBefore = rig.commits;
    rig.clock.advance(120 * MIN);
    await rig.tickUntilQuiet(10, 240_000);
    expect(rig.deadLetters()).toEqual([]);
    // Bounded: the jump took several commits (continuations on the partition's ordered stream).
    expect(rig.commits - commitsBefore).toBeGreaterThan(WINDOWS);

    const rows = await rig.paneRows(['n', 'total']);
    expect(rows).toHaveLength(KEYS * WINDOWS);
    expect(repeatedPaneIds(rows)).toEqual([]);
    const [view] = await clients.bigquery.query({ query: `SELECT key, window_start, window_end, n, total FROM \`${rig.topology.project}.${rig.topology.dataset.id}.${AGG}\`` });
    const latest = new Map((view as Record<string, unknown>[]).map((r) => [`${String(r.key)}|${tsMillis(r.window_start)}|${tsMillis(r.window_end)}`, { n: Number(r.n), total: Number(r.total) }]));
    expect(latest.size).toBe(KEYS * WINDOWS);
    expect(latest).toEqual(naiveReference(records, { kind: 'fixed', sizeMs: MIN }));
  }, 300_000);
});
