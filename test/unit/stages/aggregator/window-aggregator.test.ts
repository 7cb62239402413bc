import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../../../shared/core/hash';
import { END_OF_TIME } from '../../../../shared/core/time';
import { encodeAdvance, encodeKeyedBundle, encodeTick, WIRE_VERSION, type KeyedRecord } from '../../../../shared/messages';
import { RowsRejectedError } from '../../../../shared/ports/sink';
import { FailOnceInjector, FaultPoint } from '../../../../shared/stages/aggregator';
import {
  AGG,
  batchReference,
  bundlesOf,
  diffResults,
  latestPanes,
  makeRecords,
  naiveReference,
  prng,
  shuffle,
  testPipeline,
  type TestAggregation,
} from './fixtures';
import { Harness } from './harness';

const MIN = 60_000;
const FIXED: TestAggregation = {
  window: { kind: 'fixed', size: '1m' },
  trigger: { kind: 'default' },
  allowedLateness: '5m',
  accumulation: 'ACCUMULATING',
  partitions: 4,
};
const START = 1_700_000_000_000;
const T0 = START - 60 * MIN;

/** Delivers everything, then lets processing time pass so idle advance closes every window, and ticks. */
async function runToEnd(h: Harness, bundles: string[]): Promise<void> {
  for (const b of bundles) {
    h.clock.advance(100);
    await h.deliver(b);
  }
  h.clock.advance(40 * MIN);
  await h.tickUntilQuiet();
}

function expectMatchesReferences(h: Harness, records: KeyedRecord[], reference = naiveReference(records, { kind: 'fixed', sizeMs: MIN })): void {
  const latest = latestPanes(h.paneRows(), false);
  expect(diffResults(latest, reference)).toEqual([]);
  expect(diffResults(batchReference(h.pipeline, records), reference)).toEqual([]);
}

describe('WindowAggregator: exactly once', () => {
  const records = makeRecords(2000, 20, T0, 10 * MIN, 7);

  it('applies each record once despite duplicate bundles and re-composed redeliveries; results equal the naive loop and runBatch', async () => {
    const p = testPipeline('agg-dupes', FIXED);
    const h = new Harness(p, { startMs: START });
    const rand = prng(3);
    const bundles = bundlesOf(p.name, records, 4, 50);
    const duplicates = bundles.filter(() => rand() < 0.3);
    const recomposed = bundlesOf(p.name, shuffle(records.filter(() => rand() < 0.3), rand), 4, 7);
    let applied = 0;
    let dupes = 0;
    for (const b of [...bundles, ...duplicates, ...recomposed]) {
      h.clock.advance(100);
      const out = await h.deliver(b);
      if (out.kind === 'bundle') {
        applied += out.applied;
        dupes += out.duplicates;
      }
    }
    expect(applied).toBe(records.length);
    expect(dupes).toBeGreaterThan(records.length * 0.4);
    // The documents' running counts agree: every record applied once, none late.
    const docs = await h.partitionDocs();
    expect(docs.reduce((n, d) => n + Number(d.recordsApplied), 0)).toBe(records.length);
    expect(docs.reduce((n, d) => n + Number(d.recordsLate), 0)).toBe(0);
    h.clock.advance(40 * MIN);
    await h.tickUntilQuiet();
    expectMatchesReferences(h, records);
    expect(h.sink.rows('late_data')).toEqual([]);
  });

  it.each([FaultPoint.BEFORE_COMMIT, FaultPoint.AFTER_COMMIT, FaultPoint.AFTER_INSERT])(
    'a crash at %s on every message loses and double-counts nothing',
    async (point) => {
      const p = testPipeline(`agg-fault`, FIXED);
      const faults = new FailOnceInjector((at) => at === point);
      const h = new Harness(p, { startMs: START, faults });
      await runToEnd(h, bundlesOf(p.name, records, 4, 50));
      // Panes fire only when the tick's advances close windows: one advance per partition at least.
      expect(faults.injected[point]).toBeGreaterThanOrEqual(point === FaultPoint.AFTER_INSERT ? 4 : 20);
      expect(h.failures).toBe(faults.injected[point]);
      expectMatchesReferences(h, records);
      const docs = await h.partitionDocs();
      expect(docs.reduce((n, d) => n + Number(d.recordsApplied), 0)).toBe(records.length);
      if (point === FaultPoint.AFTER_INSERT) {
        // The outbox was not known confirmed: the next transaction re-inserted it (same pane ids).
        const ids = h.paneRows().map((r) => r.pane_id);
        expect(new Set(ids).size).toBeLessThan(ids.length);
      }
    },
  );

  it('shuffled delivery order gives the same results', async () => {
    const p = testPipeline('agg-shuffle', FIXED);
    const h = new Harness(p, { startMs: START });
    await runToEnd(h, shuffle(bundlesOf(p.name, records, 4, 50), prng(11)));
    expectMatchesReferences(h, records);
  });

  it('clears the outbox and deletes expired ledger buckets; a tick with nothing due sends nothing', async () => {
    const p = testPipeline('agg-gc', FIXED);
    const h = new Harness(p, { startMs: START });
    await runToEnd(h, bundlesOf(p.name, records, 4, 50));
    const docs = await h.partitionDocs();
    expect(docs).toHaveLength(4);
    for (const d of docs) {
      expect(d.outboxCount).toBe(0);
      expect(d.outbox).toBe('');
      expect(d.keyCount).toBe(0);
      expect(d.ledgerBuckets).toEqual([]);
      expect(typeof d.expireAt).toBe('number');
    }
    expect(await h.ledgerDocs()).toEqual([]);
    expect(await h.tickUntilQuiet()).toBe(0);
  });

  it('stays exactly once when a TTL sweep by wall clock runs while processing lags event time by 150 minutes', async () => {
    const p = testPipeline('agg-ttl', FIXED);
    const h = new Harness(p, { startMs: START });
    // Events from 150 minutes ago, applied now (a backlog, a replay): their ledger horizon is long past in wall-clock terms.
    const old = makeRecords(300, 10, START - 150 * MIN, 5 * MIN, 5, 'old');
    const bundles = bundlesOf(p.name, old, 4, 50);
    for (const b of bundles) await h.deliver(b);
    const ledger = await h.ledgerDocs();
    expect(ledger.length).toBeGreaterThan(0);
    const retention = h.topology.subscriptions.find((s) => s.topic === 'keyed')!.messageRetentionSeconds! * 1000;
    for (const d of ledger) expect(d.expireAt as number).toBeGreaterThanOrEqual(START + retention);
    // Firestore's TTL runs a minute later; then every bundle is delivered again.
    h.clock.advance(MIN);
    expect(await h.sweepTtl()).toBe(0);
    let duplicates = 0;
    for (const b of bundles) {
      const out = await h.deliver(b);
      if (out.kind === 'bundle') duplicates += out.duplicates;
    }
    expect(duplicates).toBe(old.length);
    await runToEnd(h, []);
    expectMatchesReferences(h, old);
  });

  it('costs one partition write plus one write per touched ledger bucket per bundle', async () => {
    const p = testPipeline('agg-cost', FIXED);
    const h = new Harness(p, { startMs: START });
    const bundles = bundlesOf(p.name, records, 4, 100);
    let bucketWrites = 0;
    for (const b of bundles) {
      const rs = (JSON.parse(b) as { records: KeyedRecord[] }).records;
      bucketWrites += new Set(rs.map((r) => Math.floor(r.eventTime / MIN))).size;
      h.clock.advance(100);
      await h.deliver(b);
    }
    expect(h.store.ops.transactions).toBe(bundles.length);
    expect(h.store.ops.writes).toBe(bundles.length + bucketWrites);
    expect(h.store.ops.reads).toBe(bundles.length + bucketWrites);
    // A redelivery of an applied bundle reads, finds only duplicates, and writes nothing.
    for (const b of bundles) await h.deliver(b);
    expect(h.store.ops.writes).toBe(bundles.length + bucketWrites);
    expect(h.store.ops.reads).toBe(2 * (bundles.length + bucketWrites));
  });

  it('dead-letters rows the table refuses instead of blocking the partition', async () => {
    const p = testPipeline('agg-rejected', FIXED);
    const h = new Harness(p, { startMs: START });
    for (const b of bundlesOf(p.name, records.slice(0, 200), 4, 50)) await h.deliver(b);
    h.sink.failNext(new RowsRejectedError(`${AGG}_panes`, [{ index: 0, reason: 'invalid: no such field' }]));
    h.clock.advance(40 * MIN);
    await h.tickUntilQuiet();
    expect(h.deadLetters()).toEqual([expect.objectContaining({ reason: 'rows_rejected', stage: 'aggregator' })]);
    expect(h.failures).toBe(0);
    for (const d of await h.partitionDocs()) expect(d.outboxCount).toBe(0);
  });
});

describe.each([
  { name: 'sliding', window: { kind: 'sliding', size: '2m', period: '30s' }, ref: { kind: 'sliding', sizeMs: 2 * MIN, periodMs: 30_000 } },
  { name: 'sessions', window: { kind: 'sessions', gap: '10s' }, ref: { kind: 'sessions', gapMs: 10_000 } },
] as const)('WindowAggregator: $name windows', ({ name, window, ref }) => {
  it('duplicates, shuffles and crashes at every point give the naive and runBatch results', async () => {
    const records = makeRecords(1500, 12, T0, 10 * MIN, 21);
    const p = testPipeline(`agg-${name}`, { ...FIXED, window, trigger: { kind: 'afterWatermark', early: { kind: 'afterCount', count: 10 } } });
    // Each message crashes (on its first delivery) at one of the three points, chosen by its id.
    const points = [FaultPoint.BEFORE_COMMIT, FaultPoint.AFTER_COMMIT, FaultPoint.AFTER_INSERT];
    const faults = new FailOnceInjector((at, ctx) => points[(ctx.bundleId ? parseInt(ctx.bundleId.slice(0, 6), 16) : ctx.partition) % 3] === at);
    const h = new Harness(p, { startMs: START, faults });
    const rand = prng(5);
    const bundles = bundlesOf(p.name, records, 4, 40);
    await runToEnd(h, shuffle([...bundles, ...bundles.filter(() => rand() < 0.3)], rand));
    expect(Object.values(faults.injected).every((n) => n > 0)).toBe(true);
    const expected = naiveReference(records, ref);
    expect(diffResults(latestPanes(h.paneRows(), name === 'sessions'), expected)).toEqual([]);
    expect(diffResults(batchReference(p, records), expected)).toEqual([]);
    expect(new Set(h.paneRows().map((r) => r.pane_timing))).toEqual(new Set(['EARLY', 'ON_TIME']));
  });
});

describe('WindowAggregator: large outbox', () => {
  it('spills an outbox too large for the partition document into chunk documents, inserts them after a crash, then deletes them', async () => {
    const p = testPipeline('agg-chunks', { ...FIXED, partitions: 1 });
    const faults = new FailOnceInjector((at, ctx) => ctx.kind === 'advance' && at === FaultPoint.AFTER_COMMIT);
    const h = new Harness(p, { startMs: START, faults });
    const records = makeRecords(6000, 3000, T0, 50_000, 8);
    for (const b of bundlesOf(p.name, records, 1, 1000)) await h.deliver(b);
    h.clock.advance(40 * MIN);
    await h.deliver(JSON.stringify({ v: WIRE_VERSION, kind: 'tick', pipeline: p.name }));
    const [advance] = h.publisher.on(h.topology.topics.keyed.name);
    // One advance closes ~2,400 windows at once (a bounded step: the first minutes' windows); its
    // first delivery crashes after commit, before any insert.
    await expect(h.handler(h.event(advance!.data))).rejects.toThrow(/injected fault at afterCommitBeforeAck/);
    expect(h.paneRows()).toEqual([]);
    const path = `${h.topology.firestore.collections.partitions}/${AGG}-0`;
    const [doc] = await h.fake.getAll([path]);
    expect((doc!.outboxChunks as string[]).length).toBeGreaterThan(1);
    expect(doc!.outbox).toBe('');
    expect(doc!.outboxCount as number).toBeGreaterThan(2000);
    expect((await h.fake.list(`${path}/outbox`)).length).toBe((doc!.outboxChunks as string[]).length);
    await h.deliver(advance!.data); // the redelivery inserts the chunked outbox
    expect(h.paneRows().length).toBeGreaterThanOrEqual(doc!.outboxCount as number);
    // The rest continues in self-addressed advances until every window is closed.
    await h.tickUntilQuiet();
    expect(diffResults(latestPanes(h.paneRows(), false), naiveReference(records, { kind: 'fixed', sizeMs: MIN }))).toEqual([]);
    expect(await h.fake.list(`${path}/outbox`)).toEqual([]);
    const [after] = await h.fake.getAll([path]);
    expect(after).toMatchObject({ outboxCount: 0, outboxChunks: [] });
  });
});

describe('WindowAggregator: late data', () => {
  it('routes records behind allowed lateness to late_data (once per id) and updates windows within it with LATE panes', async () => {
    const p = testPipeline('agg-late', FIXED);
    const h = new Harness(p, { startMs: START });
    const onTime = makeRecords(500, 5, T0, 5 * MIN, 5);
    for (const b of bundlesOf(p.name, onTime, 4, 50)) await h.deliver(b);
    const maxT = Math.max(...onTime.map((r) => r.eventTime));
    // Idle advance: watermark = maxT − 10m + (quiet − 1m) = maxT + 2m: windows ending by then are
    // on time; with 5m allowed lateness, windows ending after maxT − 3m are still open.
    h.clock.advance(13 * MIN);
    expect(await h.tickOnce()).toBe(4);
    expect(latestPanes(h.paneRows(), false).size).toBeGreaterThan(0);

    const lastWindow = maxT - (maxT % MIN);
    const withinLateness: KeyedRecord[] = [{ eventId: 'late-ok', key: 'u1', eventTime: lastWindow + 10, value: { amount: 1000 } }];
    const beyond: KeyedRecord[] = [
      { eventId: 'late-x', key: 'u2', eventTime: T0 + 5, value: { amount: 7 } },
      { eventId: 'late-y', key: 'u3', eventTime: T0 + 6, value: { amount: 9 } },
    ];
    const extra = [...withinLateness, ...beyond];
    for (const b of bundlesOf(p.name, extra, 4, 50)) await h.deliver(b);
    for (const b of bundlesOf(p.name, beyond, 4, 50)) await h.deliver(b); // duplicates of late records
    h.clock.advance(40 * MIN);
    await h.tickUntilQuiet();

    const late = h.sink.tables.get('late_data') ?? [];
    expect(new Set(late.map((r) => r.insertId))).toEqual(new Set(beyond.map((r) => `${AGG}:${r.eventId}:${r.eventTime - (r.eventTime % MIN)}`)));
    expect(late.every((r) => Number(r.json.lateness_ms) > 5 * MIN)).toBe(true);
    expect(h.lines.filter((l) => l.includes('"late_record"')).length).toBeGreaterThanOrEqual(2);
    const docs = await h.partitionDocs();
    // Running counts: the duplicates of the late records were caught by the ledger, not re-counted.
    expect(docs.reduce((n, d) => n + Number(d.recordsLate), 0)).toBe(beyond.length);
    expect(docs.reduce((n, d) => n + Number(d.recordsApplied), 0)).toBe(onTime.length + extra.length);

    const latest = latestPanes(h.paneRows(), false);
    expect(diffResults(latest, naiveReference([...onTime, ...withinLateness], { kind: 'fixed', sizeMs: MIN }))).toEqual([]);
    const updated = latest.get(`u1|${lastWindow}|${lastWindow + MIN}`);
    expect(updated?.timing).toBe('LATE');
  });
});

describe('WindowAggregator: tick and watermark', () => {
  it('closes the windows of a quiet partition from the other partitions’ watermark', async () => {
    const p = testPipeline('agg-quiet', { ...FIXED, partitions: 2 }, { maxOutOfOrderness: '10s', idleTimeout: '1m' });
    const h = new Harness(p, { startMs: START });
    const quietKey = ['a', 'b', 'c', 'd', 'e', 'f'].find((k) => partitionOf(k, 2) === 0)!;
    const busyKey = ['a', 'b', 'c', 'd', 'e', 'f'].find((k) => partitionOf(k, 2) === 1)!;
    const t = START - 5 * MIN;
    await h.deliver(encodeKeyedBundle({ v: WIRE_VERSION, kind: 'bundle', pipeline: p.name, aggregation: AGG, partition: 0, bundleId: 'q', records: [{ eventId: 'q1', key: quietKey, eventTime: t, value: { amount: 3 } }] }));
    // The busy partition keeps receiving data (event time follows processing time) for 10 minutes.
    for (let i = 1; i <= 20; i++) {
      h.clock.advance(30_000);
      await h.deliver(encodeKeyedBundle({ v: WIRE_VERSION, kind: 'bundle', pipeline: p.name, aggregation: AGG, partition: 1, bundleId: `b${i}`, records: [{ eventId: `b${i}`, key: busyKey, eventTime: t + i * 30_000, value: { amount: 1 } }] }));
    }
    expect(h.paneRows().filter((r) => r.key === quietKey)).toEqual([]);
    const tick = await h.deliver(JSON.stringify({ v: WIRE_VERSION, kind: 'tick', pipeline: p.name }));
    expect(tick).toEqual({ kind: 'tick', advanced: [`${AGG}/0`] });
    const [advance] = h.publisher.on(h.topology.topics.keyed.name);
    expect(advance?.orderingKey).toBe(`${AGG}/0`);
    await h.deliver(advance!.data);
    const quiet = h.paneRows().filter((r) => r.key === quietKey);
    expect(quiet).toHaveLength(1);
    expect(quiet[0]).toMatchObject({ pane_timing: 'ON_TIME', n: 1, total: 3, window_start: new Date(t - (t % MIN)).toISOString() });
  });
});

describe('WindowAggregator: processing-time triggers', () => {
  it('fires an EARLY pane for a quiet partition when the tick finds its processing-time timer due', async () => {
    const p = testPipeline('agg-ptime', {
      ...FIXED,
      trigger: { kind: 'afterWatermark', early: { kind: 'repeatedly', trigger: { kind: 'afterProcessingTime', delay: '10s' } } },
    });
    const h = new Harness(p, { startMs: START });
    const key = 'k1';
    const partition = partitionOf(key, 4);
    const t = START - 20 * MIN;
    await h.deliver(encodeKeyedBundle({ v: WIRE_VERSION, kind: 'bundle', pipeline: p.name, aggregation: AGG, partition, bundleId: 'p1', records: [{ eventId: 'p1', key, eventTime: t, value: { amount: 4 } }] }));
    expect(h.paneRows()).toEqual([]);
    h.clock.advance(5_000);
    expect(await h.tickOnce()).toBe(0); // the timer (10 s after the element) is not due yet
    h.clock.advance(6_000);
    expect(await h.tickOnce()).toBe(1);
    expect(h.paneRows()).toEqual([expect.objectContaining({ key, pane_timing: 'EARLY', pane_index: 0, n: 1, total: 4 })]);
  });
});

describe('window-aggregator handler: bad input', () => {
  const p = testPipeline('agg-bad', FIXED);
  const good = (records: unknown[], over: Record<string, unknown> = {}) =>
    JSON.stringify({ v: WIRE_VERSION, kind: 'bundle', pipeline: p.name, aggregation: AGG, partition: 0, bundleId: 'x', records, ...over });
  const key0 = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].find((k) => partitionOf(k, 4) === 0)!;
  const key1 = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].find((k) => partitionOf(k, 4) === 1)!;

  it.each([
    ['undecodable', 'not json {', 'invalid_json'],
    ['missing key', good([{ eventId: 'e1', eventTime: 5, value: {} }]), 'invalid_keyed_bundle'],
    ['missing time', good([{ eventId: 'e1', key: key0, value: {} }]), 'invalid_keyed_bundle'],
    ['wrong types', good([{ eventId: 'e1', key: key0, eventTime: 'yesterday', value: {} }]), 'invalid_keyed_bundle'],
    ['unknown aggregation', good([{ eventId: 'e1', key: key0, eventTime: 5, value: {} }], { aggregation: 'nope' }), 'unknown_aggregation'],
    ['partition out of range', good([{ eventId: 'e1', key: key0, eventTime: 5, value: {} }], { partition: 9 }), 'invalid_partition'],
    ['another pipeline', good([{ eventId: 'e1', key: key0, eventTime: 5, value: {} }], { pipeline: 'other-pipe' }), 'wrong_pipeline'],
  ])('%s → dead letter with a reason, acked', async (_name, payload, reason) => {
    const h = new Harness(p, { startMs: START });
    const out = await h.handler(h.event(payload));
    expect(out.kind).toBe('dead-letter');
    const letters = h.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ stage: 'aggregator', pipeline: p.name });
    expect(String(letters[0]!.reason)).toContain(reason === 'invalid_json' ? '' : reason);
    expect(h.lines.some((l) => l.includes('"dead_letter"'))).toBe(true);
    expect(h.store.ops.transactions).toBe(0);
  });

  it('dead-letters only the records of another partition and applies the rest', async () => {
    const h = new Harness(p, { startMs: START });
    const out = await h.deliver(
      good([
        { eventId: 'ok', key: key0, eventTime: T0, value: { amount: 1 } },
        { eventId: 'misrouted', key: key1, eventTime: T0, value: { amount: 1 } },
      ]),
    );
    expect(out).toMatchObject({ kind: 'bundle', applied: 1, deadLettered: 1 });
    expect(h.deadLetters()).toEqual([expect.objectContaining({ reason: 'wrong_partition', eventId: 'misrouted' })]);
  });

  it.each([
    ['dated 2100 (beyond processing time + maxFutureSkew)', Date.UTC(2100, 0, 1), 'event_time_in_future'],
    ['in year 10000 (not storable)', 253_402_300_800_000, 'invalid_event_time'],
  ])('dead-letters a record %s; it moves no watermark, so later on-time records stay on time', async (_name, eventTime, reason) => {
    const h = new Harness(p, { startMs: START });
    const now = h.clock.now();
    const out = await h.deliver(good([{ eventId: 'bad', key: key0, eventTime, value: { amount: 1 } }, { eventId: 'a', key: key0, eventTime: now - MIN, value: { amount: 1 } }]));
    expect(out).toMatchObject({ kind: 'bundle', applied: 1, deadLettered: 1 });
    expect(h.deadLetters()).toEqual([expect.objectContaining({ reason, eventId: 'bad' })]);
    h.clock.advance(1000);
    const later = await h.deliver(good([{ eventId: 'b', key: key0, eventTime: now - 30_000, value: { amount: 2 } }], { bundleId: 'y' }));
    expect(later).toMatchObject({ kind: 'bundle', applied: 1, late: 0 });
    const [doc] = await h.partitionDocs();
    expect(doc!.maxEventTime as number).toBeLessThanOrEqual(h.clock.now());
  });

  it('spreads a partition state too large for one document over chunk documents, and dead-letters a bundle that would take it past its budget on its first delivery; the partition goes on', async () => {
    const h = new Harness(p, { startMs: START });
    const now = h.clock.now();
    const rand = prng(9);
    /** `n` keys of partition 0, each 1 KB of incompressible text. */
    const bigKeys = (n: number): string[] => {
      const keys: string[] = [];
      while (keys.length < n) {
        const k = Array.from({ length: 1000 }, () => String.fromCharCode(33 + Math.floor(rand() * 90))).join('');
        if (partitionOf(k, 4) === 0) keys.push(k);
      }
      return keys;
    };
    const records = (keys: string[], tag: string) => keys.map((k, i) => ({ eventId: `${tag}-${i}`, key: k, eventTime: now - MIN, value: { amount: 1 } }));
    // ~1.1 MB of gzipped state: more than one Firestore document holds.
    const spread = await h.handler(h.event(good(records(bigKeys(1500), 'big'), { bundleId: 'big' })));
    expect(spread).toMatchObject({ kind: 'bundle', applied: 1500 });
    const path = `${h.topology.firestore.collections.partitions}/${AGG}-0`;
    const chunks = await h.fake.list(`${path}/state`);
    expect(chunks.length).toBeGreaterThan(1);
    // ~4 MB more: past the budget that keeps a commit under 10 MiB. Dead-lettered at once, nothing written.
    const poison = await h.handler(h.event(good(records(bigKeys(3500), 'poison'), { bundleId: 'poison' })));
    expect(poison).toEqual({ kind: 'dead-letter', reason: 'partition_state_too_large' });
    expect(h.deadLetters()).toEqual([expect.objectContaining({ stage: 'aggregator', reason: 'partition_state_too_large' })]);
    const next = await h.handler(h.event(good([{ eventId: 'after', key: key0, eventTime: now - MIN, value: { amount: 1 } }], { bundleId: 'next' })));
    expect(next).toMatchObject({ kind: 'bundle', applied: 1 });
    // Everything but the poison closes into panes once the watermark passes.
    await runToEnd(h, []);
    expect(h.paneRows()).toHaveLength(1501);
    expect(await h.fake.list(`${path}/state`)).toEqual([]);
  });

  it.each([
    ['Firestore INVALID_ARGUMENT (a request the service refuses)', Object.assign(new Error('3 INVALID_ARGUMENT: too big'), { code: 3 }), 'invalid_argument'],
    ['a RangeError from the client (a Timestamp it cannot encode)', new RangeError('Value for argument "seconds" must be within [-62135596800, 253402300799] inclusive.'), 'out_of_range'],
  ])('dead-letters a bundle whose commit fails permanently (%s) on its first delivery', async (_name, err, reason) => {
    const h = new Harness(p, { startMs: START });
    h.fake.failNextCommit(err);
    const out = await h.handler(h.event(good([{ eventId: 'x', key: key0, eventTime: h.clock.now() - MIN, value: { amount: 1 } }])));
    expect(out).toEqual({ kind: 'dead-letter', reason });
    expect(h.deadLetters()).toEqual([expect.objectContaining({ reason })]);
  });

  it('throws (Pub/Sub redelivers) on a transient commit failure, and applies the redelivery once', async () => {
    const h = new Harness(p, { startMs: START });
    h.fake.failNextCommit(Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }));
    const bundle = good([{ eventId: 'x', key: key0, eventTime: h.clock.now() - MIN, value: { amount: 1 } }]);
    await expect(h.handler(h.event(bundle))).rejects.toThrow(/UNAVAILABLE/);
    expect(await h.handler(h.event(bundle))).toMatchObject({ kind: 'bundle', applied: 1 });
    expect(h.deadLetters()).toEqual([]);
  });
});

describe('window-aggregator: control messages are not trusted blindly', () => {
  const p = testPipeline('agg-ctl', FIXED);
  const key0 = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].find((k) => partitionOf(k, 4) === 0)!;
  const bundle = (records: KeyedRecord[], id = 'b1') => encodeKeyedBundle({ v: WIRE_VERSION, kind: 'bundle', pipeline: p.name, aggregation: AGG, partition: 0, bundleId: id, records });
  const forged = (watermark: number, processingTime: number) =>
    encodeAdvance({ v: WIRE_VERSION, kind: 'advance', pipeline: p.name, aggregation: AGG, partition: 0, watermark, processingTime });

  it('a forged advance (END_OF_TIME, a far-future processing time) closes no window and changes no result', async () => {
    const h = new Harness(p, { startMs: START });
    const now = h.clock.now();
    const records: KeyedRecord[] = [
      { eventId: 'a', key: key0, eventTime: now - 20_000, value: { amount: 1 } },
      { eventId: 'b', key: key0, eventTime: now - 10_000, value: { amount: 2 } },
    ];
    await h.deliver(bundle(records));
    const out = await h.deliver(forged(END_OF_TIME, END_OF_TIME - 1));
    expect(out).toEqual({ kind: 'advance', panes: 0 });
    expect(h.paneRows()).toEqual([]);
    const [doc] = await h.partitionDocs();
    expect(doc!.aggWatermark as number).toBeLessThanOrEqual(h.clock.now());
    // An on-time record after the forgery is still on time; the final results equal the reference.
    const late: KeyedRecord = { eventId: 'c', key: key0, eventTime: now - 5_000, value: { amount: 4 } };
    expect(await h.deliver(bundle([late], 'b2'))).toMatchObject({ kind: 'bundle', applied: 1, late: 0 });
    await runToEnd(h, []);
    expectMatchesReferences(h, [...records, late]);
    expect(h.paneRows().every((r) => r.pane_timing !== 'LATE')).toBe(true);
  });

  it('the tick recomputes the watermark from partition summaries: a stored maximum does not spread', async () => {
    const h = new Harness(p, { startMs: START });
    const now = h.clock.now();
    await h.deliver(bundle([{ eventId: 'a', key: key0, eventTime: now - 20_000, value: { amount: 1 } }]));
    const path = h.topology.firestore.collections.partitions + '/' + AGG + '-0';
    await h.fake.transaction(async (tx) => {
      const [doc] = await tx.getAll([path]);
      tx.set(path, { ...doc!, aggWatermark: END_OF_TIME });
    });
    const tick = await h.handler(h.event(encodeTick({ v: WIRE_VERSION, kind: 'tick', pipeline: p.name })));
    expect(tick.kind).toBe('tick');
    const watermarks = h.publisher.on(h.topology.topics.keyed.name).map((m) => JSON.parse(m.data.toString('utf8')) as { watermark: number });
    for (const a of watermarks) expect(a.watermark).toBeLessThan(now);
  });

  it.each([
    ['a tick pushed by the keyed topic', () => encodeTick({ v: WIRE_VERSION, kind: 'tick', pipeline: p.name }), 'keyed'],
    ['an advance pushed by the tick topic', () => forged(START, START), 'tick'],
    ['a bundle pushed by the tick topic', () => bundle([{ eventId: 'a', key: key0, eventTime: START - 1000, value: { amount: 1 } }]), 'tick'],
  ] as const)('dead-letters %s (wrong_topic), touching no state', async (_name, data, from) => {
    const h = new Harness(p, { startMs: START });
    const out = await h.handler(h.event(data(), h.topology.topics[from].name));
    expect(out).toEqual({ kind: 'dead-letter', reason: 'wrong_topic' });
    expect(h.store.ops.transactions).toBe(0);
    expect(h.publisher.on(h.topology.topics.keyed.name)).toEqual([]);
  });
});

describe('window-aggregator: effects after commit', () => {
  it('never inserts or publishes while a Firestore transaction is open (the client may run its callback twice), even when a crash after commit left an outbox; leaves no outbox behind', async () => {
    const p = testPipeline('agg-effects', FIXED);
    // Crash after every advance's commit once: the redelivery finds the outbox that step persisted.
    const faults = new FailOnceInjector((at, ctx) => ctx.kind === 'advance' && at === FaultPoint.AFTER_COMMIT);
    const h = new Harness(p, { startMs: START, faults });
    let open = 0;
    const during: string[] = [];
    const store = h.store as unknown as { transaction: (fn: unknown) => Promise<unknown> };
    const transaction = store.transaction.bind(h.store);
    store.transaction = async (fn) => {
      open++;
      try {
        return await transaction(fn as never);
      } finally {
        open--;
      }
    };
    const insert = h.sink.insert.bind(h.sink);
    h.sink.insert = async (table, rows) => {
      if (open > 0) during.push(`insert ${table}`);
      return insert(table, rows);
    };
    const publish = h.publisher.publish.bind(h.publisher);
    h.publisher.publish = async (topic, messages) => {
      if (open > 0) during.push(`publish ${topic}`);
      return publish(topic, messages);
    };
    const records = makeRecords(400, 10, T0, 10 * MIN, 13);
    await runToEnd(h, bundlesOf(p.name, records, 4, 40));
    expect(h.paneRows().length).toBeGreaterThan(0);
    expect(faults.injected.afterCommitBeforeAck).toBeGreaterThan(0);
    expect(during).toEqual([]);
    expectMatchesReferences(h, records);
    for (const d of await h.partitionDocs()) expect({ outboxCount: d.outboxCount, outbox: d.outbox }).toEqual({ outboxCount: 0, outbox: '' });
  });
});

describe('WindowAggregator: bounded commits', () => {
  it('a watermark jump over 3,000 keys × 10 open windows completes in bounded commits, exactly once', async () => {
    const p = testPipeline('agg-jump', { ...FIXED, partitions: 1 });
    const h = new Harness(p, { startMs: START });
    let maxCommitBytes = 0;
    let commits = 0;
    const transaction = h.fake.transaction.bind(h.fake);
    h.fake.transaction = (fn) =>
      transaction(async (tx) => {
        let bytes = 0;
        const out = await fn({ getAll: (paths) => tx.getAll(paths), set: (path, data) => ((bytes += Buffer.byteLength(path) + Buffer.byteLength(JSON.stringify(data))), tx.set(path, data)), delete: (path) => tx.delete(path) });
        maxCommitBytes = Math.max(maxCommitBytes, bytes);
        commits++;
        return out;
      });
    const records: KeyedRecord[] = [];
    for (let k = 0; k < 3000; k++) for (let m = 0; m < 10; m++) records.push({ eventId: `j${k}-${m}`, key: `key-${k}`, eventTime: T0 + m * MIN + (k % 50) * 1000, value: { amount: 1 + (k % 7) } });
    for (const b of bundlesOf(p.name, records, 1, 1000)) await h.deliver(b);
    expect(h.paneRows()).toEqual([]);
    // Hours later, one tick: the watermark jumps past all 30,000 windows at once.
    h.clock.advance(120 * MIN);
    await h.tickUntilQuiet(40);
    expect(h.paneRows()).toHaveLength(30_000);
    expectMatchesReferences(h, records);
    // Far under Firestore's 10 MiB per request (the old single commit carried ~19 MiB of panes).
    expect(maxCommitBytes).toBeLessThan(5 * 1024 * 1024);
    expect(commits).toBeGreaterThan(30 + 10);
  }, 120_000);
});
