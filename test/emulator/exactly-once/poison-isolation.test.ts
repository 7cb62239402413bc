/**
 * Issue 14, failure 3 — poison must not stall an ordered partition, on the emulators.
 *
 * A partition's state is grown (bundles of keys of 1 KB of incompressible text) past what one
 * Firestore document holds — it spreads over state chunk documents — until the next bundle would
 * take its gzipped state over the aggregator's budget (MAX_STATE_BYTES, which keeps a commit under
 * Firestore's 10 MiB request limit); that bundle — the poison — then a normal bundle of the same
 * partition are published under the partition's ordering key to the real ordered push
 * subscription. The poison must be dead-lettered `partition_state_too_large` on its first delivery
 * (the handler sees it once, the dead letter says attempt 1) and acked, so the next bundle is
 * applied. (Before the fix the budget was a RangeError treated as transient: the handler threw,
 * Pub/Sub redelivered it for ~20 minutes, and every later bundle of the partition waited.)
 */
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../../shared/core/hash';
import { encodeKeyedBundle, WIRE_VERSION, type KeyedRecord } from '../../../shared/messages';
import { MAX_STATE_BYTES } from '../../../shared/stages/aggregator';
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

/** Partition 0's stored state: its gzipped size (inline or over chunk documents) and its chunk count. */
async function storedState(): Promise<{ bytes: number; chunks: number }> {
  const path = `${rig.topology.firestore.collections.partitions}/${AGG}-0`;
  const doc = (await clients.firestore.doc(path).get()).data() ?? {};
  const chunks = Number(doc.stateChunks ?? 0);
  let bytes = typeof doc.stateGz === 'string' ? doc.stateGz.length : typeof doc.state === 'string' ? doc.state.length : 0;
  for (let i = 0; i < chunks; i++) bytes += String((await clients.firestore.doc(`${path}/state/${i}`).get()).get('gz') ?? '').length;
  return { bytes, chunks };
}

describe('a poison bundle on an ordered partition', () => {
  it('is dead-lettered partition_state_too_large on its first delivery, and the next bundle of the partition is applied', async () => {
    // Grow the partition to within ~300 KiB of the budget, 400 keys (~0.4 MB of bundle) at a time:
    // past one document's worth, the state spreads over chunk documents.
    let keysSoFar = 0;
    let stored = { bytes: 0, chunks: 0 };
    for (let i = 0; stored.bytes < MAX_STATE_BYTES - 300 * 1024; i++) {
      expect(i).toBeLessThan(20);
      const n = Math.min(400, Math.max(50, Math.floor((MAX_STATE_BYTES - 300 * 1024 - stored.bytes) / 1100)));
      await rig.applyBundles([bundle(`grow-${i}`, recordsOf(bigKeys(n)))]);
      keysSoFar += n;
      stored = await storedState();
    }
    expect(stored.bytes).toBeLessThan(MAX_STATE_BYTES);
    expect(stored.chunks).toBeGreaterThan(1);
    // The poison: enough new keys to pass the budget by a wide margin.
    const perKey = stored.bytes / keysSoFar;
    const poisonKeys = Math.ceil((MAX_STATE_BYTES - stored.bytes + 128 * 1024) / perKey);
    const poison = bundle('poison', recordsOf(bigKeys(poisonKeys)));
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
