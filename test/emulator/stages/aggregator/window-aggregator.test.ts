/**
 * The window-aggregator end to end on the emulators: real Pub/Sub push (ordered keyed topic, tick
 * topic) → the served aggregator → Firestore → BigQuery. Input is published with duplicates, in
 * shuffled order, with crashes injected at each fault point and late data; the latest pane per
 * window in BigQuery must equal a plain-loop reference and the core's runBatch, for fixed, sliding
 * and session windows, with early, on-time and late panes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTopology } from '../../../../emulators/bootstrap';
import { serveFunctions, type ServedFunctions } from '../../../../emulators/serve';
import { cloudPorts, PubSubPublisher } from '../../../../shared/adapters';
import { encodeTick, WIRE_VERSION, type KeyedRecord } from '../../../../shared/messages';
import type { AnyPipeline } from '../../../../shared/pipeline';
import { FakeClock } from '../../../../shared/ports/clock';
import { createAggregatorHandler, FailOnceInjector, FaultPoint, type HandlerOutcome, InjectedFault, type PubSubCloudEvent } from '../../../../shared/stages/aggregator';
import { topologyFor, type Topology } from '../../../../shared/topology';
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
  type PaneRowLike,
  type TestAggregation,
} from '../../../unit/stages/aggregator/fixtures';
import { captureDeliberateThrows, type DeliberateThrows } from '../../deliberate-throws';
import { freshPrefix, stackClients, stackClientsConfig, waitFor } from '../../helpers';

const MIN = 60_000;
const START = 1_700_000_000_000;
const T0 = START - 30 * MIN;
const clients = stackClients();

const TRIGGER = { kind: 'afterWatermark', early: { kind: 'afterCount', count: 15 }, late: { kind: 'afterCount', count: 1 } } as const;

const SCENARIOS: Array<{ name: string; agg: TestAggregation; ref: Parameters<typeof naiveReference>[1] }> = [
  {
    name: 'fixed',
    agg: { window: { kind: 'fixed', size: '1m' }, trigger: TRIGGER, allowedLateness: '5m', accumulation: 'ACCUMULATING', partitions: 3 },
    ref: { kind: 'fixed', sizeMs: MIN },
  },
  {
    name: 'sliding',
    agg: { window: { kind: 'sliding', size: '2m', period: '1m' }, trigger: TRIGGER, allowedLateness: '5m', accumulation: 'ACCUMULATING', partitions: 3 },
    ref: { kind: 'sliding', sizeMs: 2 * MIN, periodMs: MIN },
  },
  {
    name: 'sessions',
    agg: { window: { kind: 'sessions', gap: '20s' }, trigger: TRIGGER, allowedLateness: '5m', accumulation: 'ACCUMULATING', partitions: 3 },
    ref: { kind: 'sessions', gapMs: 20_000 },
  },
];

/** One served aggregator over the emulators, with a controllable clock and a record of outcomes. */
class Rig {
  readonly clock = new FakeClock(START);
  readonly outcomes: HandlerOutcome[] = [];
  failures = 0;
  topology!: Topology;
  served!: ServedFunctions;
  /** The framework's log lines of the injected faults (captured, not printed). */
  throws!: DeliberateThrows;
  readonly faults = new FailOnceInjector((point, ctx) => {
    // The first advance of each partition fires panes: it crashes after inserting them.
    if (ctx.kind === 'advance') return point === FaultPoint.AFTER_INSERT;
    if (!ctx.bundleId) return false;
    // A quarter of the bundles crash at each point on their first delivery.
    const pick = parseInt(ctx.bundleId.slice(0, 6), 16) % 4;
    return (pick === 0 && point === FaultPoint.BEFORE_COMMIT) || (pick === 1 && point === FaultPoint.AFTER_COMMIT) || (pick === 2 && point === FaultPoint.AFTER_INSERT);
  });

  constructor(readonly pipeline: AnyPipeline) {}

  async start(fnName: string): Promise<void> {
    this.throws = captureDeliberateThrows();
    const cfg = stackClientsConfig();
    const ports = cloudPorts(clients);
    this.topology = topologyFor(this.pipeline, { project: cfg.projectId, region: 'europe-west1', env: 'local', prefix: freshPrefix('a') });
    const handler = createAggregatorHandler({
      pipeline: this.pipeline,
      topology: this.topology,
      store: ports.stateStore({ timestampFields: ['expireAt'] }),
      sink: ports.sink(this.topology.dataset.id),
      publisher: ports.publisher(),
      clock: this.clock,
      faults: this.faults,
      options: { outboxGraceMs: 0 },
    });
    this.served = await serveFunctions({
      [fnName]: {
        cloudEvent: async (event) => {
          try {
            this.outcomes.push(await handler({ source: event.source, data: event.data as PubSubCloudEvent['data'] }));
          } catch (err) {
            this.failures++;
            throw err instanceof InjectedFault ? this.throws.deliberate(err) : err;
          }
        },
      },
    });
    const summary = await bootstrapTopology(this.topology, clients, {
      pushBaseUrl: (stage) => (stage === 'aggregator' ? this.served.urlOf(fnName) : undefined),
      unserved: 'pull',
    });
    expect(summary.drift).toEqual([]);
  }

  async stop(): Promise<void> {
    await this.served?.close();
    this.throws?.restore();
  }

  /** How many injected faults the framework logged, per fault point. */
  loggedFaults(): Record<string, number> {
    const byPoint: Record<string, number> = Object.fromEntries(Object.values(FaultPoint).map((p) => [p, 0]));
    for (const line of this.throws.logged) {
      const point = /^InjectedFault: injected fault at (\w+) /.exec(line)?.[1] ?? line;
      byPoint[point] = (byPoint[point] ?? 0) + 1;
    }
    return byPoint;
  }

  count(kind: HandlerOutcome['kind']): number {
    return this.outcomes.filter((o) => o.kind === kind).length;
  }

  async publishBundles(bundles: string[]): Promise<void> {
    const before = this.count('bundle');
    const publisher = new PubSubPublisher(clients.pubsub);
    const messages = bundles.map((data) => {
      const { aggregation, partition } = JSON.parse(data) as { aggregation: string; partition: number };
      return { data: Buffer.from(data), orderingKey: `${aggregation}/${partition}` };
    });
    await publisher.publish(this.topology.topics.keyed.name, messages);
    await waitFor(`${bundles.length} bundles applied`, () => (this.count('bundle') - before >= bundles.length ? true : undefined), 120_000);
  }

  /** Publishes a tick on the tick topic and waits for the advances it sent to be applied. */
  async tick(): Promise<number> {
    const ticks = this.count('tick');
    const advances = this.count('advance');
    await new PubSubPublisher(clients.pubsub).publish(this.topology.topics.tick.name, [
      { data: Buffer.from(encodeTick({ v: WIRE_VERSION, kind: 'tick', pipeline: this.pipeline.name })) },
    ]);
    await waitFor('tick', () => (this.count('tick') > ticks ? true : undefined));
    const out = this.outcomes.filter((o) => o.kind === 'tick').at(-1) as { advanced: string[] };
    await waitFor('advances', () => (this.count('advance') - advances >= out.advanced.length ? true : undefined), 60_000);
    return out.advanced.length;
  }

  async tickUntilQuiet(): Promise<void> {
    for (let i = 0; i < 10 && (await this.tick()) > 0; i++) this.clock.advance(MIN);
  }

  async paneRows(): Promise<PaneRowLike[]> {
    const [rows] = await clients.bigquery.query({
      query: `SELECT pane_id, key, window_start, window_end, pane_index, pane_timing, n, total FROM \`${this.topology.project}.${this.topology.dataset.id}.${AGG}_panes\``,
    });
    return (rows as Record<string, unknown>[]).map((r) => ({
      pane_id: String(r.pane_id),
      key: String(r.key),
      window_start: tsString(r.window_start),
      window_end: tsString(r.window_end),
      pane_index: Number(r.pane_index),
      pane_timing: String(r.pane_timing),
      n: Number(r.n),
      total: r.total === null ? null : Number(r.total),
    }));
  }

  async viewRows(): Promise<Map<string, { n: number; total: number }>> {
    const [rows] = await clients.bigquery.query({ query: `SELECT key, window_start, window_end, n, total FROM \`${this.topology.project}.${this.topology.dataset.id}.${AGG}\`` });
    const out = new Map<string, { n: number; total: number }>();
    for (const r of rows as Record<string, unknown>[]) {
      out.set(`${String(r.key)}|${Date.parse(tsString(r.window_start)!)}|${Date.parse(tsString(r.window_end)!)}`, { n: Number(r.n), total: Number(r.total) });
    }
    return out;
  }

  async lateRows(): Promise<string[]> {
    const [rows] = await clients.bigquery.query({ query: `SELECT event_id FROM \`${this.topology.project}.${this.topology.dataset.id}.late_data\`` });
    return (rows as { event_id: string }[]).map((r) => r.event_id);
  }
}

/** BigQuery's client returns TIMESTAMPs as `{value}` objects (or strings, depending on the emulator). */
function tsString(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'object' && 'value' in (v as object) ? String((v as { value: unknown }).value) : String(v);
  return new Date(Date.parse(s)).toISOString();
}

describe.each(SCENARIOS)('window-aggregator on the emulators: $name windows', ({ name, agg, ref }) => {
  const pipeline = testPipeline(`agg-e2e-${name}`, agg);
  const rig = new Rig(pipeline);
  const onTime: KeyedRecord[] = makeRecords(400, 6, T0, 5 * MIN, 17);
  let withinLateness: KeyedRecord[] = [];
  let beyondLateness: KeyedRecord[] = [];

  beforeAll(async () => {
    await rig.start(`agg_${name}`);
  }, 120_000);
  afterAll(async () => {
    await rig.stop();
  });

  it('applies duplicated, shuffled, crashing deliveries exactly once, closes windows through the tick, and routes late data', async () => {
    const rand = prng(99);
    const bundles = bundlesOf(pipeline.name, onTime, agg.partitions, 30);
    const published = shuffle([...bundles, ...bundles.filter(() => rand() < 0.3)], rand);
    await rig.publishBundles(published);
    expect(rig.faults.injected.beforeCommit).toBeGreaterThan(0);
    expect(rig.faults.injected.afterCommitBeforeAck).toBeGreaterThan(0);
    expect(rig.faults.injected.beforeCommit + rig.faults.injected.afterCommitBeforeAck + rig.faults.injected.afterInsertBeforeClear).toBe(rig.failures);

    // Processing time passes: the watermark (idle advance) passes every window end but not its
    // allowed lateness; the tick sends advances; ON_TIME panes fire.
    const maxT = Math.max(...onTime.map((r) => r.eventTime));
    rig.clock.advance(12 * MIN); // watermark ≈ maxT − 10m + 11m = maxT + 1m
    expect(await rig.tick()).toBeGreaterThan(0);

    // Late data: one record within allowed lateness for an existing window, two beyond it.
    const keyed = onTime.find((r) => r.eventTime > maxT - 20_000)!;
    withinLateness = [{ eventId: 'late-ok', key: keyed.key, eventTime: keyed.eventTime, value: { amount: 500 } }];
    beyondLateness = [
      { eventId: 'late-x', key: onTime[0]!.key, eventTime: T0 - 10 * MIN, value: { amount: 7 } },
      { eventId: 'late-y', key: onTime[1]!.key, eventTime: T0 - 9 * MIN, value: { amount: 9 } },
    ];
    const lateBundles = bundlesOf(pipeline.name, [...withinLateness, ...beyondLateness], agg.partitions, 30);
    await rig.publishBundles([...lateBundles, ...lateBundles]);

    rig.clock.advance(30 * MIN);
    await rig.tickUntilQuiet();

    expect(rig.faults.injected.afterInsertBeforeClear).toBeGreaterThan(0);
    expect(rig.faults.injected.beforeCommit + rig.faults.injected.afterCommitBeforeAck + rig.faults.injected.afterInsertBeforeClear).toBe(rig.failures);
    // Each injected fault failed its delivery (logged once by the framework, with its fault point).
    expect(rig.loggedFaults()).toEqual(rig.faults.injected);

    const expected = naiveReference([...onTime, ...withinLateness], ref);
    const rows = await rig.paneRows();
    const latest = latestPanes(rows, ref.kind === 'sessions');
    expect(diffResults(latest, expected)).toEqual([]);
    expect(diffResults(batchReference(pipeline, [...onTime, ...withinLateness]), expected)).toEqual([]);
    expect(diffResults(await rig.viewRows(), expected)).toEqual([]);
    const timings = new Set(rows.map((r) => r.pane_timing));
    expect(timings).toEqual(new Set(['EARLY', 'ON_TIME', 'LATE']));
    expect(new Set(await rig.lateRows())).toEqual(new Set(['late-x', 'late-y']));
  }, 300_000);

  it('dead-letters bad keyed messages with a reason and acks them', async () => {
    const before = rig.count('dead-letter');
    const bad = [
      'not json',
      JSON.stringify({ v: WIRE_VERSION, kind: 'bundle', pipeline: pipeline.name, aggregation: AGG, partition: 0, bundleId: 'b', records: [{ eventId: 'x', eventTime: 1, value: {} }] }),
      JSON.stringify({ v: WIRE_VERSION, kind: 'bundle', pipeline: pipeline.name, aggregation: AGG, partition: 0, bundleId: 'b', records: [{ eventId: 'x', key: 'k', eventTime: 'soon', value: {} }] }),
      JSON.stringify({ v: WIRE_VERSION, kind: 'bundle', pipeline: pipeline.name, aggregation: 'nope', partition: 0, bundleId: 'b', records: [{ eventId: 'x', key: 'k', eventTime: 1, value: {} }] }),
    ];
    await new PubSubPublisher(clients.pubsub).publish(rig.topology.topics.keyed.name, bad.map((d) => ({ data: Buffer.from(d) })));
    await waitFor('dead letters', () => (rig.count('dead-letter') - before >= bad.length ? true : undefined));
    const sub = rig.topology.subscriptions.find((s) => s.topic === 'deadLetter' && !s.terminal)!;
    const reasons: string[] = [];
    const subscription = clients.pubsub.subscription(sub.name);
    subscription.on('message', (m: { data: Buffer; ack(): void }) => {
      reasons.push(String((JSON.parse(m.data.toString('utf8')) as { reason: string }).reason));
      m.ack();
    });
    try {
      await waitFor('dead letters pulled', () => (reasons.length >= bad.length ? true : undefined));
    } finally {
      await subscription.close();
    }
    expect(reasons.sort()).toEqual(['invalid_json', 'invalid_keyed_bundle', 'invalid_keyed_bundle', 'unknown_aggregation'].sort());
  }, 120_000);
});
