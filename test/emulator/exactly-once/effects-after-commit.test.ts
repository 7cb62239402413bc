/**
 * Issue 14, failure 5 — effects after commit, on the emulators.
 *
 * Every advance that fires panes crashes once right after its Firestore commit (FaultPoint
 * AFTER_COMMIT), before any insert, and Pub/Sub redelivers it; every transaction callback also
 * runs twice, as the Firestore client runs it again when a commit is ABORTED (the first run's
 * writes dropped). BigQuery's emulator does not dedupe insertIds, so the raw `<agg>_panes` table
 * shows every insert: each pane id must be there exactly once, the latest panes must equal a
 * plain loop over the input, and no BigQuery insert or Pub/Sub publish may happen while a
 * Firestore transaction callback runs. (Before the fix the redelivered step inserted the persisted
 * outbox inside the transaction callback, once per run of the callback.)
 */
import { describe, expect, it } from 'vitest';
import { FailOnceInjector, FaultPoint } from '../../../shared/stages/aggregator';
import { AGG, makeRecords, naiveReference, testPipeline } from '../../unit/stages/aggregator/fixtures';
import { bundlesFor, latestByWindow, repeatedPaneIds, Rig } from './rig';

const MIN = 60_000;
const START = 1_700_000_000_000;
const PARTITIONS = 4;
const pipeline = testPipeline('eo-effects', { window: { kind: 'fixed', size: '1m' }, trigger: { kind: 'default' }, allowedLateness: '5m', accumulation: 'ACCUMULATING', partitions: PARTITIONS });
const faults = new FailOnceInjector((at, ctx) => ctx.kind === 'advance' && at === FaultPoint.AFTER_COMMIT);
const rig = new Rig(pipeline, { aggregation: AGG, startMs: START, faults, rerunTransactions: true }).use('fx');

describe('a crash after the commit of an advance that fires panes, then its redelivery', () => {
  it('inserts each pane id once, never inside a transaction, and the results equal the reference', async () => {
    const records = makeRecords(400, 10, START - 30 * MIN, 10 * MIN, 13);
    await rig.applyBundles(bundlesFor(pipeline.name, AGG, PARTITIONS, records, 40, 'fx'));
    expect(await rig.paneRows(['n', 'total'])).toEqual([]);

    rig.clock.advance(40 * MIN);
    await rig.tickUntilQuiet();
    expect(faults.injected[FaultPoint.AFTER_COMMIT]).toBeGreaterThanOrEqual(PARTITIONS);
    const crashed = rig.deliveries.filter((d) => d.kind === 'advance' && d.error !== undefined);
    expect(crashed).toHaveLength(faults.injected[FaultPoint.AFTER_COMMIT]);
    expect(rig.abortedAttempts).toBe(rig.commits);

    const rows = await rig.paneRows(['n', 'total']);
    expect(rows.length).toBeGreaterThan(0);
    expect(repeatedPaneIds(rows)).toEqual([]);
    expect(rig.effectsInsideTransaction).toEqual([]);
    const latest = new Map([...latestByWindow(rows)].map(([id, r]) => [id, { n: Number(r.n), total: Number(r.total) }]));
    expect(latest).toEqual(naiveReference(records, { kind: 'fixed', sizeMs: MIN }));
  }, 120_000);
});
