/**
 * Fault soak (`npm run bench:faults [-- events keys]`): exactly-once under the cloud's rules on the
 * full local stack (emulators, every stage in its own process, push subscriptions, tick, the TTL
 * sweeper every 10 s), for the `bench-faults` pipeline (bench-e2e's fixed 1-minute windows and
 * sessions, with a watermark that holds every window open until one jump).
 *
 * 1. Soak: N events (default 100,000) over K keys (default 3,000) spread over 10 minutes of event
 *    time that ends 2.5 hours ago (a replay from the archive, at least 1 h of wall-clock lag), as
 *    NDJSON producer batches of 100; 5% generated duplicate events, 2% late, 1% invalid; 5% of the
 *    messages published twice; ~10% of deliveries crash (`startDevStack({injectFaults})`:
 *    the aggregator at its three fault points, ingest and transform at their handler's start or
 *    end, each crash followed by a redelivery). Halfway, a forged advance (watermark END_OF_TIME)
 *    goes to every partition of both aggregations on the keyed topic with the right ordering key.
 * 2. Lag replay: once every record is applied, one explicit TTL sweep (wall clock), then the first
 *    25% of the messages are published again: every record must be detected as a duplicate (the
 *    partitions' `recordsApplied` must not move).
 * 3. Poison, each with a clean follow-up on the same ordered partition: a keyed bundle whose state
 *    would pass the partition's state budget, MAX_STATE_BYTES (4,000 keys × 1 KB of incompressible text), keyed
 *    records dated in year 10000 (epoch ms 253402300800000) and in 2100, and raw events dated in
 *    year 10000 and in 2100. Each poison message carries the attribute `sluice_probe`, so its stage
 *    reports every delivery: dead-lettered on its first delivery = one delivery, acked, and a
 *    dead_letter row with its reason (the row's `attempt` column is always 1 locally:
 *    functions-framework drops the push body's deliveryAttempt). The soak keeps injected crashes
 *    off the probes, so a delivery count measures the stage's own decision.
 * 4. Watermark jump: one event per partition 13 minutes after the stream moves every partition's
 *    watermark past all K × 10 fixed windows (and every session) at once; the aggregator must fire
 *    them in bounded commits.
 *
 * Measured: lost / duplicated (latest pane per window against a plain-loop reference over the same
 * input; the four jump events' own windows, still open, are left out), poison dead-lettered on
 * first delivery, maxPartitionStallMs (poison publish → its follow-up on the same ordering key
 * done), maxCommitBytes / maxDocumentBytes (bench/op-counter.mjs, Firestore's own size rules),
 * forgedAdvanceEffect (windows open when the forged advance was sent whose result differs from the
 * reference). Starts the emulator stack when it is not running and stops it afterwards
 * (SLUICE_KEEP_STACK=1 keeps it; SLUICE_BENCH_VERBOSE=1 forwards the stages' output). Last line
 * printed: one JSON object.
 */
import { fileURLToPath } from 'node:url';
import { messagesFromEvents } from '../cli/publish';
import { runQuery } from '../cli/query';
import { latestPanes, naiveFixedWindows, type WindowResult } from '../emulators/demo';
import { startDevStack, type DevStack } from '../emulators/dev';
import { ensureStack, stopStack } from '../emulators/stack';
import { sweepExpired } from '../emulators/ttl-sweeper';
import { benchFaults } from '../pipelines';
import { generateEvents, iotSensorsRecords, type GeneratedEvent, type RecordFactory } from '../pipelines/generators';
import { PubSubPublisher } from '../shared/adapters';
import { END_OF_TIME, partitionOf } from '../shared/core';
import { parseDuration } from '../shared/core/duration';
import { FIRESTORE_MAX_DOCUMENT_BYTES, FIRESTORE_MAX_REQUEST_BYTES } from '../shared/limits';
import { encodeAdvance, encodeKeyedBundle, WIRE_VERSION, type KeyedRecord } from '../shared/messages';
import { keyedValueOf, keyOf } from '../shared/pipeline';
import { FaultPoint } from '../shared/stages/aggregator';
import { type FaultSettings, PROBE_ATTRIBUTE, PROBE_LINE, selectsAggregatorFault } from '../shared/stages/injected-faults';
import { countDifferences, naiveSessions, type Ops } from './e2e-model';

const EVENTS = Number(process.argv[2] ?? 100_000);
const KEYS = Number(process.argv[3] ?? 3_000);
const WINDOWS = 10;
const SPAN_MS = WINDOWS * 60_000;
const LAG_MS = 150 * 60_000;
const BATCH = 100;
const DUPLICATE_PUBLISHES = 0.05;
const REPLAY_SHARE = 0.25;
const FAULTS: FaultSettings = { rate: 0.1, seed: 7 };
const OP_COUNTER = fileURLToPath(new URL('./op-counter.mjs', import.meta.url));
const P = benchFaults;
const AGGS = P.aggregations.map((a) => a.name);
const PARTITIONS = P.aggregations[0]!.partitions!;

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const iso = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const num = (v: unknown): number => Number((v as { value?: unknown } | null)?.value ?? v ?? 0);
const seeded = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
};

interface Probe {
  name: string;
  stage: 'ingest' | 'aggregator';
  reason: string;
  publishedAt: number;
  /** The clean message after it on the same ordering key (keyed poison only). */
  followUp?: string;
}

interface ProbeDelivery {
  probe: string;
  stage: string;
  at: number;
  ok: boolean;
}

async function main(): Promise<void> {
  const { started } = await ensureStack({ log });
  if (started) log('started the emulator stack');
  const t0 = Date.now();
  const opsByStage = new Map<string, Ops & { maxCommitBytes: number; maxDocumentBytes: number; firestoreCommits: number }>();
  const deliveries: ProbeDelivery[] = [];
  const crashes = new Map<string, Set<string>>();
  let ttlDeleted = 0;
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${OP_COUNTER}`.trim();
  const stack: DevStack = await startDevStack({
    pipeline: P.name,
    prefix: `flt${Date.now().toString(36)}`,
    tickIntervalMs: 1_000,
    ttlSweepIntervalMs: 10_000,
    keepStack: true,
    injectFaults: FAULTS,
    onLine: (source, line) => {
      if (line.startsWith('SLUICE_BENCH_OPS ')) opsByStage.set(source, JSON.parse(line.slice(17)) as never);
      else if (line.startsWith(PROBE_LINE)) deliveries.push(JSON.parse(line.slice(PROBE_LINE.length)) as ProbeDelivery);
      else if (source === 'dev' && /^ttl: deleted (\d+)/.test(line)) ttlDeleted += Number(/^ttl: deleted (\d+)/.exec(line)![1]);
      else {
        if (process.env.SLUICE_BENCH_VERBOSE) log(`[${source}] ${line}`);
        const m = /injected (?:fault|crash) at (?:the )?(\w+)[^(]*\(([^)]*)\)/.exec(line);
        if (m && !line.includes('transient failure')) {
          const key = `${source} ${m[1]}`;
          if (!crashes.has(key)) crashes.set(key, new Set());
          crashes.get(key)!.add(m[2]!);
        }
      }
    },
  });
  try {
    if (stack.failed.length || stack.missing.length) throw new Error(`stages not serving: ${stack.failed.map((f) => f.error).join('; ')} ${stack.missing.join(', ')}`);
    const r = await soak(stack, opsByStage, deliveries, () => ttlDeleted);
    const seconds = Math.round((Date.now() - t0) / 1000);
    const sum = (k: 'invocations'): Record<string, number> => Object.fromEntries([...opsByStage].map(([s, o]) => [s, o[k]]));
    const inv = sum('invocations');
    log(`\nbench:faults — ${r.events} events, ${KEYS} keys × ${WINDOWS} one-minute windows, event times ${LAG_MS / 60_000} min behind the wall clock, ${seconds} s`);
    log(`  published ${r.messages} messages (+${r.duplicatePublishes} duplicate publishes, +${r.replayMessages} lag-replay messages after a TTL sweep that deleted ${r.sweptBeforeReplay.ledger} ledger / ${r.sweptBeforeReplay.other} other documents; the sweeper deleted ${ttlDeleted} in all)`);
    log('  injected crashes (distinct (point, message)) / invocations:');
    for (const [k, v] of [...crashes].sort()) log(`    ${k.padEnd(36)} ${String(v.size).padStart(6)}`);
    for (const [s, n] of Object.entries(inv)) {
      const c = [...crashes].filter(([k]) => k.startsWith(`${s} `)).reduce((a, [, v]) => a + v.size, 0);
      log(`    ${s.padEnd(11)} ${String(c).padStart(6)} crashes / ${String(n).padStart(6)} invocations (${((100 * c) / Math.max(1, n)).toFixed(1)}%${s === 'aggregator' ? ', ticks included' : ''})`);
    }
    log(`  lag replay: recordsApplied ${r.appliedBefore} before, ${r.appliedAfterReplay} after (${r.appliedAfterReplay - r.appliedBefore} applied twice)`);
    log('  poison                       stage       deliveries  dead letter (reason, attempt)          stall ms');
    for (const p of r.poison) log(`    ${p.name.padEnd(26)} ${p.stage.padEnd(11)} ${String(p.deliveries).padStart(10)}  ${(p.deadLetter ?? 'none').padEnd(38)} ${p.stallMs ?? '-'}`);
    log(`  forged END_OF_TIME advances: ${r.forged} sent while ${r.openAtForge} windows were open; max partition watermark once all was applied ${iso(r.watermarkAfterForge)} (stream end ${iso(r.streamEnd)}); windows changed: ${r.forgedAdvanceEffect}`);
    log(`  watermark jump: ${r.jumpPanes} panes fired after the jump; Firestore commits ${r.commits}, largest ${r.maxCommitBytes} B (limit ${FIRESTORE_MAX_REQUEST_BYTES}), largest document ${r.maxDocumentBytes} B (limit ${FIRESTORE_MAX_DOCUMENT_BYTES})`);
    log(`  windows ${r.windows}, late_data rows ${r.lateRows}; lost ${r.lost}, duplicated ${r.duplicated}${r.mismatches.length ? `\n    ${r.mismatches.slice(0, 10).join('\n    ')}` : ''}`);
    process.stdout.write(
      `${JSON.stringify({
        events: r.events,
        lost: r.lost,
        duplicated: r.duplicated,
        poisonDeadLetteredOnFirstDelivery: r.poison.filter((p) => p.firstDelivery).length,
        poisonTotal: r.poison.length,
        maxPartitionStallMs: r.maxStallMs,
        maxCommitBytes: r.maxCommitBytes,
        maxDocumentBytes: r.maxDocumentBytes,
        forgedAdvanceEffect: r.forgedAdvanceEffect,
        bench: 'faults',
        seconds,
        crashes: [...crashes.values()].reduce((a, v) => a + v.size, 0),
        invocations: inv,
        replayAppliedTwice: r.appliedAfterReplay - r.appliedBefore,
        lateRows: r.lateRows,
        windows: r.windows,
      })}\n`,
    );
  } finally {
    await stack.stop();
    if (started && !process.env.SLUICE_KEEP_STACK) await stopStack({ log });
  }
}

async function soak(
  stack: DevStack,
  opsByStage: Map<string, Ops & { maxCommitBytes: number; maxDocumentBytes: number; firestoreCommits: number }>,
  deliveries: ProbeDelivery[],
  ttlDeleted: () => number,
) {
  const ooo = parseDuration(P.watermark!.maxOutOfOrderness, 'ooo');
  const endMs = Date.now() - LAG_MS;
  const startMs = endMs - SPAN_MS;
  const factory: RecordFactory = { ...iotSensorsRecords, pipeline: P.name, defaults: { keys: KEYS, spacingMs: SPAN_MS / EVENTS, maxJitterMs: 3_000, lateByMs: [15_000, 60_000] } };
  const events = generateEvents(factory, { seed: 11, count: EVENTS, startMs, duplicateRate: 0.05, lateRate: 0.02, invalidRate: 0.01 });
  const clean = events.filter((e) => e.kind !== 'invalid' && e.record);
  const uniqueClean = new Set(clean.map((e) => e.eventId)).size;
  const publisher = new PubSubPublisher(stack.clients.pubsub);
  const { raw: rawTopic, keyed: keyedTopic } = stack.topology.topics;
  const fq = (name: string): string => `\`${stack.topology.project}.${stack.topology.dataset.id}.${name}\``;
  const q = async (sql: string): Promise<Array<Record<string, unknown>>> => (await runQuery(stack.clients.bigquery, sql, { maxBytes: 1e12 })).rows;
  const partitionsSnap = async () => (await stack.clients.firestore.collection(stack.topology.firestore.collections.partitions).get()).docs.map((d) => d.data());
  const applied = async (): Promise<number> => (await partitionsSnap()).reduce((n, d) => n + num(d.recordsApplied), 0);
  /** Waits until the stages have been quiet (no ingest/transform delivery, no aggregator transaction) for `ms`. */
  const quiet = async (ms: number, until: () => Promise<boolean> = async () => true): Promise<void> => {
    let last = '';
    let since = Date.now();
    for (;;) {
      const o = (s: string) => opsByStage.get(s);
      const sig = JSON.stringify([o('ingest')?.invocations, o('transform')?.invocations, o('transform')?.pubsubMessages, o('aggregator')?.firestoreTxnMs]);
      if (sig !== last) {
        last = sig;
        since = Date.now();
      } else if (Date.now() - since >= ms && (await until())) return;
      overdue('the stages to go quiet');
      await sleep(1_000);
    }
  };

  // 1. The soak: producer batches, 5% published twice, forged advances halfway.
  const random = seeded(3);
  const messages = [...messagesFromEvents(events, BATCH)];
  const inFlight = new Set<Promise<unknown>>();
  const publishRaw = async (m: { data: string; attributes: Record<string, string> }): Promise<void> => {
    const p = publisher.publish(rawTopic.name, [{ data: Buffer.from(m.data, 'utf8'), attributes: m.attributes }]);
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= 100) await Promise.race(inFlight);
  };
  let duplicatePublishes = 0;
  let forged = 0;
  let forgeWatermark = 0;
  let maxPublished = -Infinity;
  let idx = 0;
  for (const [i, m] of messages.entries()) {
    for (const e of events.slice(idx, idx + m.events)) maxPublished = Math.max(maxPublished, e.eventTimeMs);
    idx += m.events;
    await publishRaw(m);
    if (random() < DUPLICATE_PUBLISHES) {
      duplicatePublishes += 1;
      await publishRaw(m);
    }
    if (i === Math.floor(messages.length / 2)) {
      forgeWatermark = maxPublished - ooo;
      for (const aggregation of AGGS) {
        for (let partition = 0; partition < PARTITIONS; partition++) {
          const data = encodeAdvance({ v: WIRE_VERSION, kind: 'advance', pipeline: P.name, aggregation, partition, watermark: END_OF_TIME, processingTime: END_OF_TIME });
          await publisher.publish(keyedTopic.name, [{ data: Buffer.from(data), orderingKey: `${aggregation}/${partition}` }]);
          forged += 1;
        }
      }
    }
  }
  await Promise.all(inFlight);
  log(`  published ${EVENTS} events in ${messages.length} messages (+${duplicatePublishes} twice) after ${Math.round((Date.now() - startedAt) / 1000)} s`);
  await quiet(5_000, async () => (await applied()) >= uniqueClean * AGGS.length);
  const watermarkAfterForge = Math.max(...(await partitionsSnap()).map((d) => num(d.watermark)));
  const appliedBefore = await applied();
  log(`  every record applied (${appliedBefore} = ${uniqueClean} × ${AGGS.length}) after ${Math.round((Date.now() - startedAt) / 1000)} s`);

  // 2. The lag replay: a TTL sweep by the wall clock, then the same messages again.
  const swept = await sweepExpired(stack.clients.firestore, stack.topology, Date.now());
  const ledger = stack.topology.firestore.collections.ledger.split('/').pop()!;
  const sweptBeforeReplay = { ledger: swept.filter((s) => s.collectionGroup === ledger).length, other: swept.filter((s) => s.collectionGroup !== ledger).length };
  log(`  TTL sweep before the replay deleted: ${JSON.stringify(Object.fromEntries([...new Set(swept.map((s) => s.collectionGroup))].map((g) => [g, swept.filter((s) => s.collectionGroup === g).length])))}`);
  const replay = messages.slice(0, Math.ceil(messages.length * REPLAY_SHARE));
  for (const m of replay) await publishRaw(m);
  await Promise.all(inFlight);
  await quiet(8_000);
  const appliedAfterReplay = await applied();
  log(`  lag replay of ${replay.length} messages done after ${Math.round((Date.now() - startedAt) / 1000)} s (ttl deleted ${ttlDeleted()} so far)`);

  // 3. Poison, each followed by a clean message on the same ordered partition.
  const probes: Probe[] = [];
  const recordOf = (aggregation: string, e: GeneratedEvent): KeyedRecord => {
    const a = P.aggregations.find((x) => x.name === aggregation)!;
    return { eventId: e.eventId, key: keyOf(e.record, a.keyFields)!, eventTime: e.eventTimeMs, value: keyedValueOf(e.record, a) };
  };
  /** A bundle id the injector leaves alone (the probe measures the stage's own decision). */
  const clearId = (aggregation: string, partition: number, base: string): string => {
    for (let n = 0; ; n++) {
      const bundleId = `${base}-${n}`;
      if (!Object.values(FaultPoint).some((point) => selectsAggregatorFault(FAULTS, point, { kind: 'bundle', aggregation, partition, bundleId }))) return bundleId;
    }
  };
  const keyedProbe = async (name: string, reason: string, aggregation: string, partition: number, records: KeyedRecord[]): Promise<void> => {
    const orderingKey = `${aggregation}/${partition}`;
    const bundle = (id: string, recs: KeyedRecord[]) => Buffer.from(encodeKeyedBundle({ v: WIRE_VERSION, kind: 'bundle', pipeline: P.name, aggregation, partition, bundleId: clearId(aggregation, partition, id), records: recs }));
    // The follow-up: a record of this partition already applied (a duplicate: no effect on results).
    const again = clean.find((e) => partitionOf(recordOf(aggregation, e).key, PARTITIONS) === partition)!;
    const publishedAt = Date.now();
    await publisher.publish(keyedTopic.name, [
      { data: bundle(name, records), orderingKey, attributes: { [PROBE_ATTRIBUTE]: name } },
      { data: bundle(`${name}-next`, [recordOf(aggregation, again)]), orderingKey, attributes: { [PROBE_ATTRIBUTE]: `${name}:next` } },
    ]);
    probes.push({ name, stage: 'aggregator', reason, publishedAt, followUp: `${name}:next` });
  };
  const text = seeded(9);
  const bigKeys: string[] = [];
  // ~4.5 MB of incompressible keys: the partition's gzipped state would pass MAX_STATE_BYTES (4 MiB;
  // below it the state spreads over chunk documents and is applied).
  while (bigKeys.length < 4_000) {
    const k = Array.from({ length: 1_000 }, () => String.fromCharCode(33 + Math.floor(text() * 90))).join('');
    if (partitionOf(k, PARTITIONS) === 0) bigKeys.push(k);
  }
  const onTime = endMs - 30_000;
  await keyedProbe('state-over-budget', 'partition_state_too_large', AGGS[0]!, 0, bigKeys.map((key, i) => ({ eventId: `poison-big-${i}`, key, eventTime: onTime, value: { temperature_c: 1 } })));
  const keyIn = (partition: number): string => clean.map((e) => String(e.record!.device_id)).find((k) => partitionOf(k, PARTITIONS) === partition)!;
  await keyedProbe('keyed-year-10000', 'invalid_event_time', AGGS[0]!, 1, [{ eventId: 'poison-y10000', key: keyIn(1), eventTime: 253_402_300_800_000, value: { temperature_c: 1 } }]);
  await keyedProbe('keyed-2100', 'event_time_in_future', AGGS[1]!, 2, [{ eventId: 'poison-2100', key: keyIn(2), eventTime: Date.UTC(2100, 0, 1), value: { temperature_c: 1 } }]);
  for (const [name, at, reason] of [
    ['raw-year-10000', '+010000-01-01T00:00:00Z', 'event_time'],
    ['raw-2100', '2100-01-01T00:00:00Z', 'event_time_in_future'],
  ] as const) {
    const data = JSON.stringify({ reading_id: `poison-${name}`, device_id: keyIn(3), measured_at: at, temperature_c: 1 });
    probes.push({ name, stage: 'ingest', reason, publishedAt: Date.now() });
    await publisher.publish(rawTopic.name, [{ data: Buffer.from(data), attributes: { ...messages[0]!.attributes, [PROBE_ATTRIBUTE]: name } }]);
  }

  // 4. The watermark jump: one event per partition 13 minutes later.
  const jumpAt = endMs + 13 * 60_000;
  const sentinels: GeneratedEvent[] = [];
  for (let partition = 0, n = KEYS; partition < PARTITIONS; n++) {
    const key = iotSensorsRecords.keyOf(n); // a device the stream never had
    if (partitionOf(key, PARTITIONS) !== partition) continue;
    const record = { reading_id: `jump-${partition}`, device_id: key, measured_at: new Date(jumpAt).toISOString(), temperature_c: 20 };
    sentinels.push({ seq: EVENTS + partition, kind: 'valid', eventId: record.reading_id, eventTimeMs: jumpAt, key, record, payload: JSON.stringify(record), attributes: {} });
    partition += 1;
  }
  const panesBefore = await paneCount(q, fq);
  for (const m of messagesFromEvents(sentinels, BATCH)) await publishRaw(m);
  await Promise.all(inFlight);
  const fixed = naiveFixedWindows(P, AGGS[0]!, events, new Set());
  const sessions = naiveSessions(events, parseDuration((P.aggregations[1]!.window as { gap: string }).gap, 'gap'), new Set());
  const lastEnd = Math.max(...[...fixed.values(), ...sessions.values()].map((w) => w.windowEnd));
  let lastPanes = -1;
  let stable = 0;
  for (;;) {
    const docs = await partitionsSnap();
    const wmOk = docs.length >= AGGS.length * PARTITIONS && docs.every((d) => num(d.watermark) >= lastEnd && num(d.outboxCount) === 0);
    const panes = await paneCount(q, fq);
    stable = wmOk && panes === lastPanes ? stable + 1 : 0;
    lastPanes = panes;
    if (stable >= 3) break;
    overdue('the watermark jump to complete');
    await sleep(2_000);
  }
  log(`  watermark jump done after ${Math.round((Date.now() - startedAt) / 1000)} s`);

  // Poison outcomes.
  let letters: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 30; i++) {
    letters = await q(`SELECT stage, reason, attempt, attributes_json FROM ${fq('dead_letter')} WHERE attributes_json LIKE '%${PROBE_ATTRIBUTE}%'`);
    if (probes.every((p) => letters.some((l) => String(l.attributes_json).includes(`"${p.name}"`)))) break;
    await sleep(2_000);
  }
  const poison = probes.map((p) => {
    const mine = deliveries.filter((d) => d.probe === p.name);
    const letter = letters.filter((l) => String(l.attributes_json).includes(`"${p.name}"`));
    const next = p.followUp ? deliveries.find((d) => d.probe === p.followUp && d.ok) : undefined;
    const deadLetter = letter.length ? letter.map((l) => `${String(l.reason)} @${num(l.attempt)}`).join(', ') : undefined;
    return {
      name: p.name,
      stage: p.stage,
      deliveries: mine.length,
      deadLetter,
      firstDelivery: mine.length === 1 && mine[0]!.ok && letter.length === 1 && String(letter[0]!.reason).includes(p.reason),
      stallMs: next ? next.at - p.publishedAt : undefined,
    };
  });

  // Exactness.
  const lateRows = num((await q(`SELECT COUNT(*) AS n FROM ${fq('late_data')}`))[0]?.n);
  const jumpKeys = new Set(sentinels.map((e) => e.key));
  const isJump = (w: WindowResult): boolean => jumpKeys.has(w.key);
  const drop = (m: Map<string, WindowResult>): Map<string, WindowResult> => new Map([...m].filter(([, w]) => !isJump(w)));
  let lost = 0;
  let duplicated = 0;
  let forgedAdvanceEffect = 0;
  let windows = 0;
  let openAtForge = 0;
  const mismatches: string[] = [];
  for (const [agg, want] of [
    [AGGS[0]!, fixed],
    [AGGS[1]!, sessions],
  ] as const) {
    const got = drop(await latestPanes(stack, P, agg));
    windows += got.size;
    const d = countDifferences(got, want);
    lost += d.lost;
    duplicated += d.duplicated;
    const open = (id: string): boolean => ((want.get(id) ?? got.get(id))?.windowEnd ?? 0) > forgeWatermark;
    openAtForge += [...want.keys()].filter(open).length;
    forgedAdvanceEffect += d.differing.filter(open).length;
    mismatches.push(...d.differing.slice(0, 5).map((id) => `${agg} ${id}: got ${got.get(id)?.count ?? 0}, reference ${want.get(id)?.count ?? 0}`));
  }
  const all = [...opsByStage.values()];
  const stalls = poison.flatMap((p) => (p.stallMs === undefined ? [] : [p.stallMs]));
  return {
    events: EVENTS,
    streamEnd: endMs,
    messages: messages.length,
    duplicatePublishes,
    replayMessages: replay.length,
    sweptBeforeReplay,
    appliedBefore,
    appliedAfterReplay,
    poison,
    maxStallMs: stalls.length ? Math.max(...stalls) : null,
    forged,
    openAtForge,
    watermarkAfterForge,
    forgedAdvanceEffect,
    jumpPanes: lastPanes - panesBefore,
    commits: all.reduce((n, o) => n + (o.firestoreCommits ?? 0), 0),
    maxCommitBytes: Math.max(0, ...all.map((o) => o.maxCommitBytes ?? 0)),
    maxDocumentBytes: Math.max(0, ...all.map((o) => o.maxDocumentBytes ?? 0)),
    windows,
    lateRows,
    lost,
    duplicated,
    mismatches,
  };
}

const startedAt = Date.now();
/** A wedged partition must fail the soak, not hang it. */
const overdue = (what: string): void => {
  if (Date.now() - startedAt > 30 * 60_000) throw new Error(`gave up waiting for ${what} after 30 minutes (a wedged partition?)`);
};

async function paneCount(q: (sql: string) => Promise<Array<Record<string, unknown>>>, fq: (name: string) => string): Promise<number> {
  const [r] = await q(`SELECT (SELECT COUNT(*) FROM ${fq(`${AGGS[0]}_panes`)}) + (SELECT COUNT(*) FROM ${fq(`${AGGS[1]}_panes`)}) AS n`);
  return num(r?.n);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
