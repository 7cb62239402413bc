/**
 * Firestore cost of the window-aggregator: document reads and writes per 1,000 events, against the
 * Firestore emulator through the real adapter wrapped in `CountingStateStore`.
 *
 * Input: N events (default 20,000) over 100 keys arriving at R events/s (default 1,000) with event
 * times up to 2 s behind arrival, 1% published twice. They are bundled as transform does: per
 * (aggregation, partition), flushed every second of arrival time or at 1,000 records. The
 * aggregator (fixed 1-minute windows, default trigger, 5 minutes allowed lateness, P = 4) applies
 * every bundle; then processing time passes and the tick closes every window and garbage-collects
 * the ledger — those operations are counted too. Results are checked against a plain-loop
 * reference (lost / duplicated events).
 *
 * The naive design is measured in the same run on the same events: one document per key-window and
 * one transaction per event (read the window and the event's dedupe marker, write both).
 *
 * Run: `npm run bench:aggregator [-- events rate]`. Starts the emulator stack when it is not running
 * (and stops it afterwards unless SLUICE_KEEP_STACK=1).
 * Prints a table, then one JSON line.
 */
import { ensureStack, stopStack } from '../emulators/stack';
import { stackEnvRecord } from '../emulators/env';
import { createClients, FirestoreStateStore, loadClientsConfig } from '../shared/adapters';
import { partitionOf } from '../shared/core/hash';
import { encodeTick, KeyedBundleBuilder, WIRE_VERSION, type KeyedRecord } from '../shared/messages';
import { FakeClock } from '../shared/ports/clock';
import { FakePublisher } from '../shared/ports/publisher';
import { FakeSink } from '../shared/ports/sink';
import { CountingStateStore, FakeStateStore, type StateStore } from '../shared/ports/state-store';
import { approximateBytes, createAggregatorHandler } from '../shared/stages/aggregator';
import { topologyFor } from '../shared/topology';
import { AGG, cloudEvent, latestPanes, naiveReference, prng, testPipeline, type PaneRowLike } from '../test/unit/stages/aggregator/fixtures';

const EVENTS = Number(process.argv[2] ?? 20_000);
const RATE = Number(process.argv[3] ?? 1_000);
const KEYS = 100;
const PARTITIONS = 4;
const MIN = 60_000;
const START = 1_700_000_000_000;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Events in arrival order: arrival i/rate s, event time up to 2 s earlier; 1% published twice. */
function makeInput(rate = RATE): { arrivals: { at: number; record: KeyedRecord }[]; unique: KeyedRecord[] } {
  const rand = prng(2024);
  const unique: KeyedRecord[] = [];
  const arrivals: { at: number; record: KeyedRecord }[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const at = START + Math.floor((i * 1000) / rate);
    const record: KeyedRecord = {
      eventId: `ev-${i}`,
      key: `device-${Math.floor(rand() * KEYS)}`,
      eventTime: at - Math.floor(rand() * 2000),
      value: { amount: 1 + Math.floor(rand() * 100) },
    };
    unique.push(record);
    arrivals.push({ at, record });
    if (rand() < 0.01) arrivals.push({ at: at + 1500, record });
  }
  arrivals.sort((a, b) => a.at - b.at);
  return { arrivals, unique };
}

/** Transform's bundling: per partition, flushed each second of arrival time or when full. */
function bundle(pipeline: string, arrivals: { at: number; record: KeyedRecord }[]): { at: number; data: string }[] {
  const out: { at: number; data: string }[] = [];
  const builders = new Map<number, KeyedBundleBuilder>();
  let second = Math.floor((arrivals[0]?.at ?? 0) / 1000);
  const flushAll = (at: number) => {
    for (const b of builders.values()) {
      const f = b.flush();
      if (f) out.push({ at, data: f.data });
    }
  };
  for (const { at, record } of arrivals) {
    if (Math.floor(at / 1000) !== second) {
      flushAll(second * 1000 + 1000);
      second = Math.floor(at / 1000);
    }
    const p = partitionOf(record.key, PARTITIONS);
    let b = builders.get(p);
    if (!b) builders.set(p, (b = new KeyedBundleBuilder(pipeline, AGG, p, { maxRecords: 1000 })));
    if (!b.add(record).added) {
      out.push({ at, data: b.flush()!.data });
      b.add(record);
    }
  }
  flushAll(second * 1000 + 1000);
  return out;
}

async function runSluice(
  store: CountingStateStore,
  inner: StateStore,
  docSizes: { partition: number; ledger: number },
  fsRoot: string,
  params: { rate: number; ledgerBucketMs: number } = { rate: RATE, ledgerBucketMs: 60_000 },
) {
  const pipeline = testPipeline('bench-agg', {
    window: { kind: 'fixed', size: '1m' },
    trigger: { kind: 'default' },
    allowedLateness: '5m',
    accumulation: 'ACCUMULATING',
    partitions: PARTITIONS,
  }, { maxOutOfOrderness: '5s', idleTimeout: '1m' });
  const topology = topologyFor(pipeline, { project: 'sluice-local', region: 'europe-west1', env: 'local', prefix: fsRoot });
  const clock = new FakeClock(START);
  const sink = new FakeSink();
  const publisher = new FakePublisher();
  const handler = createAggregatorHandler({ pipeline, topology, store, sink, publisher, clock, options: { ledgerBucketMs: params.ledgerBucketMs } });
  const { arrivals, unique } = makeInput(params.rate);
  const bundles = bundle(pipeline.name, arrivals);
  const t0 = performance.now();
  for (const b of bundles) {
    if (b.at > clock.now()) clock.advance(b.at - clock.now());
    await handler(cloudEvent(b.data, topology.topics.keyed.name));
  }
  const applyMs = performance.now() - t0;
  for (const { data } of await inner.list(topology.firestore.collections.partitions)) docSizes.partition = Math.max(docSizes.partition, approximateBytes(data));
  for (const { data } of await inner.list(topology.firestore.collections.ledger)) docSizes.ledger = Math.max(docSizes.ledger, approximateBytes(data));
  const opsAfterBundles = { ...store.ops };
  // Processing time passes; the tick (every minute) closes windows, confirms outboxes, deletes ledger buckets.
  let seen = 0;
  let ticks = 0;
  clock.advance(10 * MIN);
  for (; ticks < 20; ticks++) {
    await handler(cloudEvent(encodeTick({ v: WIRE_VERSION, kind: 'tick', pipeline: pipeline.name }), topology.topics.tick.name));
    const advances = publisher.on(topology.topics.keyed.name).slice(seen);
    seen += advances.length;
    if (advances.length === 0) break;
    for (const a of advances) await handler(cloudEvent(a.data, topology.topics.keyed.name));
    clock.advance(MIN);
  }
  const ledgerLeft = (await inner.list(topology.firestore.collections.ledger)).length;
  const latest = latestPanes(sink.rows(`${AGG}_panes`) as unknown as PaneRowLike[], false);
  const reference = naiveReference(unique, { kind: 'fixed', sizeMs: MIN });
  let lost = 0;
  let duplicated = 0;
  for (const [id, want] of reference) {
    const got = latest.get(id)?.n ?? 0;
    if (got < want.n) lost += want.n - got;
    if (got > want.n) duplicated += got - want.n;
  }
  for (const [id, got] of latest) if (!reference.has(id)) duplicated += got.n;
  return { bundles: bundles.length, deliveries: arrivals.length, applyMs, opsAfterBundles, ticks, ledgerLeft, lost, duplicated, windows: reference.size };
}

/** One document per key-window, one transaction per event (with a per-event dedupe marker). */
async function runNaive(store: CountingStateStore, root: string, arrivals: { record: KeyedRecord }[]) {
  const byKey = new Map<string, KeyedRecord[]>();
  for (const { record } of arrivals) byKey.set(record.key, [...(byKey.get(record.key) ?? []), record]);
  const chains = [...byKey.values()];
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    for (let c = next++; c < chains.length; c = next++) {
      for (const r of chains[c]!) {
        const start = r.eventTime - (r.eventTime % MIN);
        const win = `${root}/windows/${encodeURIComponent(r.key)}-${start}`;
        const seen = `${root}/seen/${r.eventId}`;
        await store.transaction(async (tx) => {
          const [w, s] = await tx.getAll([win, seen]);
          if (s !== undefined) return;
          const n = Number(w?.n ?? 0) + 1;
          const total = Number(w?.total ?? 0) + Number(r.value.amount);
          tx.set(win, { key: r.key, start, n, total });
          tx.set(seen, { at: start });
        });
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { ms: performance.now() - t0 };
}

async function main(): Promise<void> {
  const { env, started } = await ensureStack();
  if (started) log('started the emulator stack');
  const clients = createClients(loadClientsConfig(stackEnvRecord(env)));
  const run = `b${Date.now().toString(36).slice(-7)}`;

  const firestoreStore = new FirestoreStateStore(clients.firestore, { timestampFields: ['expireAt'] });
  const sluiceStore = new CountingStateStore(firestoreStore);
  const sizes = { partition: 0, ledger: 0 };
  const s = await runSluice(sluiceStore, firestoreStore, sizes, run);
  const ops = sluiceStore.ops;
  const per1k = (n: number) => Math.round((n * 1000 * 100) / EVENTS) / 100;
  const writes = ops.writes + ops.deletes;

  const naiveStore = new CountingStateStore(new FirestoreStateStore(clients.firestore));
  const n = await runNaive(naiveStore, `${run}-naive/run`, makeInput().arrivals);
  const naiveWrites = naiveStore.ops.writes + naiveStore.ops.deletes;

  log(`events ${EVENTS} (+${s.deliveries - EVENTS} duplicate deliveries) over ${KEYS} keys at ${RATE}/s; P=${PARTITIONS}; ${s.windows} key-windows`);
  log(`sluice: ${s.bundles} bundles (${Math.round(s.deliveries / s.bundles)} records each), ${ops.transactions} transactions, applied in ${Math.round(s.applyMs)} ms`);
  log(`  bundles only: writes ${s.opsAfterBundles.writes} deletes ${s.opsAfterBundles.deletes} reads ${s.opsAfterBundles.reads}`);
  log(`  with ${s.ticks} ticks to close everything: writes ${ops.writes} deletes ${ops.deletes} reads ${ops.reads}; ledger docs left ${s.ledgerLeft}`);
  log(`  largest partition doc ≈ ${sizes.partition} B, largest ledger doc ≈ ${sizes.ledger} B`);
  log(`  per 1k events: writes+deletes ${per1k(writes)}, reads ${per1k(ops.reads)}`);
  log(`naive: ${naiveStore.ops.transactions} transactions in ${Math.round(n.ms)} ms: writes ${naiveStore.ops.writes} reads ${naiveStore.ops.reads}; per 1k: writes ${per1k(naiveWrites)}`);
  log(`lost ${s.lost}, duplicated ${s.duplicated}`);

  // Sensitivity (operation counts do not depend on the backend: the in-memory store gives the same
  // counts in a fraction of the time): events per bundle (= rate / P per second) and ledger bucket width.
  log('sensitivity (in-memory store, same counting):');
  log('  rate/s  bucket  records/bundle  writes/1k  reads/1k  partition doc B  ledger doc B');
  for (const [rate, ledgerBucketMs] of [[100, 60_000], [300, 60_000], [1000, 10_000], [1000, 60_000], [1000, 300_000], [3000, 60_000]] as const) {
    const fake = new FakeStateStore();
    const counted = new CountingStateStore(fake);
    const sz = { partition: 0, ledger: 0 };
    const r = await runSluice(counted, fake, sz, `${run}x`, { rate, ledgerBucketMs });
    const o = counted.ops;
    log(
      `  ${String(rate).padStart(6)}  ${String(ledgerBucketMs / 1000).padStart(5)}s  ${String(Math.round(r.deliveries / r.bundles)).padStart(14)}  ${per1k(o.writes + o.deletes).toFixed(1).padStart(9)}  ${per1k(o.reads).toFixed(1).padStart(8)}  ${String(sz.partition).padStart(15)}  ${String(sz.ledger).padStart(12)}${r.lost + r.duplicated > 0 ? '  LOST/DUPLICATED!' : ''}`,
    );
  }
  await clients.firestore.terminate();
  if (started && !process.env.SLUICE_KEEP_STACK) await stopStack();
  process.stdout.write(
    `${JSON.stringify({
      bench: 'aggregator',
      events: EVENTS,
      keys: KEYS,
      writesPer1k: per1k(writes),
      readsPer1k: per1k(ops.reads),
      naiveWritesPer1k: per1k(naiveWrites),
      lost: s.lost,
      duplicated: s.duplicated,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
