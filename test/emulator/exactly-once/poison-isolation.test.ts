/**
 * Issue 14, failure 3 — poison must not stall an ordered partition, on the emulators.
 *
 * A partition's state is grown (bundles of keys of 1 KB of incompressible text, each bundle under
 * transform's 256 KiB cap) until the next bundle would take its Firestore document over the
 * aggregator's 900 KiB budget; that bundle — the poison — then a normal bundle of the same
 * partition are published under the partition's ordering key to the real ordered push
 * subscription. The poison must be dead-lettered `partition_state_too_large` on its first delivery
 * (the handler sees it once, the dead letter says attempt 1) and acked, so the next bundle is
 * applied. (Before the fix the budget was a RangeError treated as transient: the handler threw,
 * Pub/Sub redelivered it for ~20 minutes, and every later bundle of the partition waited.)
 */
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../../shared/core/hash';
import { encodeKeyedBundle, WIRE_VERSION, type KeyedRecord } from '../../../shared/messages';
import { MAX_PARTITION_DOC_BYTES } from '../../../shared/stages/aggregator';
import { AGG, prng, testPipeline } from '../../unit/stages/aggregator/fixtures';
import { clients, Rig } from './rig';

const MIN = 60_000;
const START = 1_700_000_000_000;
const PARTITIONS = 4;
const pipeline = testPipeline('eo-poison', { window: { kind: 'fixed', size: '1m' }, trigger: { kind: 'default' }, allowedLateness: '5m', accumulation: 'ACCUMULATING', partitions: PARTITIONS });
const rig = new Rig(pipeline, { aggregation: AGG, startMs: START }).use('poison');

const rand = prng(9);
let keyCount = 0;
/** `n` keys of partition 0, each 1,000 characters of incompressible text. */
function bigKeys(n: number): string[] {
  const keys: string[] = [];
  while (keys.length < n) {
    const k = Array.from({ length: 1000 }, () => String.fromCharCode(33 + Math.floor(rand() * 90))).join('');
    if (partitionOf(k, PARTITIONS) === 0) keys.push(k);
  }
  return keys;
}
const recordsOf = (keys: string[]): KeyedRecord[] => keys.map((key) => ({ eventId: `big-${keyCount++}`, key, eventTime: START - MIN, value: { amount: 1 } }));
const bundle = (bundleId: string, records: KeyedRecord[]) => encodeKeyedBundle({ v: WIRE_VERSION, kind: 'bundle', pipeline: pipeline.name, aggregation: AGG, partition: 0, bundleId, records });

/** The stored size of partition 0's document (its fields as JSON: the state dominates). */
async function partitionBytes(): Promise<number> {
  const snap = await clients.firestore.doc(`${rig.topology.firestore.collections.partitions}/${AGG}-0`).get();
  return snap.exists ? Buffer.byteLength(JSON.stringify(snap.data())) : 0;
}

describe('a poison bundle on an ordered partition', () => {
  it('is dead-lettered partition_state_too_large on its first delivery, and the next bundle of the partition is applied', async () => {
    // Grow the partition to within ~130 KiB of the budget, 50 keys (~55 KB of bundle) at a time.
    let keysSoFar = 0;
    let bytes = 0;
    for (let i = 0; bytes < MAX_PARTITION_DOC_BYTES - 130 * 1024; i++) {
      expect(i).toBeLessThan(40);
      await rig.applyBundles([bundle(`grow-${i}`, recordsOf(bigKeys(50)))]);
      keysSoFar += 50;
      bytes = await partitionBytes();
    }
    expect(bytes).toBeLessThan(MAX_PARTITION_DOC_BYTES);
    // The poison: enough new keys to pass the budget by a wide margin, still a bundle transform could send.
    const perKey = bytes / keysSoFar;
    const poisonKeys = Math.ceil((MAX_PARTITION_DOC_BYTES - bytes + 64 * 1024) / perKey);
    const poison = bundle('poison', recordsOf(bigKeys(poisonKeys)));
    expect(Buffer.byteLength(poison)).toBeLessThan(256 * 1024);
    const next = bundle('next', [{ eventId: 'after-poison', key: smallKeyOfPartition0(), eventTime: START - MIN, value: { amount: 5 } }]);

    // Both in one publish, in order, under the partition's ordering key: `next` is pushed only once `poison` is acked.
    await rig.publishKeyed([poison, next]);
    const firstPoison = await rig.until('the poison delivered', () => rig.deliveries.find((d) => d.bundleId === 'poison' && (d.outcome ?? d.error) !== undefined));
    expect(firstPoison.error).toBeUndefined();
    expect(firstPoison.outcome).toEqual({ kind: 'dead-letter', reason: 'partition_state_too_large' });
    const applied = await rig.until('the next bundle applied', () => rig.succeeded('bundle').find((d) => d.bundleId === 'next'));
    expect(applied.outcome).toMatchObject({ kind: 'bundle', applied: 1 });
    expect(rig.deliveries.filter((d) => d.bundleId === 'poison')).toHaveLength(1);
    expect(rig.deliveries.findIndex((d) => d.bundleId === 'poison')).toBeLessThan(rig.deliveries.findIndex((d) => d.bundleId === 'next'));
    expect(rig.deadLetters()).toEqual([expect.objectContaining({ reason: 'partition_state_too_large', attempt: 1 })]);
    // The partition kept its state (the poison wrote nothing) and took the next record.
    const doc = (await clients.firestore.doc(`${rig.topology.firestore.collections.partitions}/${AGG}-0`).get()).data()!;
    expect(Number(doc.recordsApplied)).toBe(keysSoFar + 1);
  }, 120_000);
});

function smallKeyOfPartition0(): string {
  for (let i = 0; ; i++) if (partitionOf(`u${i}`, PARTITIONS) === 0) return `u${i}`;
}
