/** An in-memory aggregator with redelivery: fakes for every port, a delivery loop that retries on throw. */
import { encodeTick, WIRE_VERSION } from '../../../../shared/messages';
import type { AnyPipeline } from '../../../../shared/pipeline';
import { FakeClock } from '../../../../shared/ports/clock';
import { FakePublisher } from '../../../../shared/ports/publisher';
import { FakeSink } from '../../../../shared/ports/sink';
import { CountingStateStore, FakeStateStore } from '../../../../shared/ports/state-store';
import { createAggregatorHandler, type AggregatorOptions, type FaultInjector, type HandlerOutcome } from '../../../../shared/stages/aggregator';
import { topologyFor, type Topology } from '../../../../shared/topology';
import { AGG, cloudEvent, type PaneRowLike } from './fixtures';

export class Harness {
  readonly fake = new FakeStateStore();
  readonly store = new CountingStateStore(this.fake);
  readonly sink = new FakeSink();
  readonly publisher = new FakePublisher();
  readonly clock: FakeClock;
  readonly topology: Topology;
  readonly handler: ReturnType<typeof createAggregatorHandler>;
  readonly lines: string[] = [];
  /** Deliveries that threw (and were redelivered). */
  failures = 0;
  private advancesSeen = 0;

  constructor(
    readonly pipeline: AnyPipeline,
    opts: { faults?: FaultInjector; startMs?: number; options?: AggregatorOptions } = {},
  ) {
    this.clock = new FakeClock(opts.startMs ?? 1_700_000_000_000);
    this.topology = topologyFor(pipeline, { project: 'sluice-test', region: 'europe-west1', env: 'local' });
    this.handler = createAggregatorHandler({
      pipeline,
      topology: this.topology,
      store: this.store,
      sink: this.sink,
      publisher: this.publisher,
      clock: this.clock,
      logger: { log: () => {}, metric: (m, f) => this.lines.push(JSON.stringify({ m, ...f })) },
      ...(opts.faults ? { faults: opts.faults } : {}),
      options: { newEpoch: () => 'epoch', ...opts.options },
    });
  }

  /** A push of `data` from the topic it belongs on: the tick topic for a tick, the keyed topic otherwise. */
  event(data: string | Buffer, topic?: string): ReturnType<typeof cloudEvent> {
    const isTick = Buffer.from(data).toString('utf8').includes('"kind":"tick"');
    return cloudEvent(data, topic ?? (isTick ? this.topology.topics.tick.name : this.topology.topics.keyed.name));
  }

  /** Delivers one message, redelivering until it succeeds (at most 10 times). */
  async deliver(data: string | Buffer): Promise<HandlerOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.handler(this.event(data));
      } catch (err) {
        this.failures++;
        if (attempt >= 10) throw err;
      }
    }
  }

  /**
   * Runs the tick and delivers the advances it published; repeats (a minute apart, as Cloud
   * Scheduler would) until a tick publishes none. Returns the number of ticks that advanced something.
   */
  async tickUntilQuiet(maxRounds = 10): Promise<number> {
    let rounds = 0;
    for (; rounds < maxRounds; rounds++) {
      if (rounds > 0) this.clock.advance(61_000);
      if ((await this.tickOnce()) === 0) break;
    }
    return rounds;
  }

  /** One tick; delivers the advances it published and returns their number. */
  async tickOnce(): Promise<number> {
    await this.deliver(encodeTick({ v: WIRE_VERSION, kind: 'tick', pipeline: this.pipeline.name }));
    const advances = this.publisher.on(this.topology.topics.keyed.name).slice(this.advancesSeen);
    this.advancesSeen += advances.length;
    for (const a of advances) await this.deliver(a.data);
    return advances.length;
  }

  paneRows(): PaneRowLike[] {
    return this.sink.rows(`${AGG}_panes`) as unknown as PaneRowLike[];
  }

  async partitionDocs(): Promise<Record<string, unknown>[]> {
    return (await this.fake.list(this.topology.firestore.collections.partitions)).map((d) => d.data);
  }

  /**
   * Firestore's TTL sweep, by wall clock: deletes every document of the TTL'd collections whose
   * `expireAt` is before the clock. Returns how many it deleted.
   */
  async sweepTtl(): Promise<number> {
    const { partitions, ledger, files } = this.topology.firestore.collections;
    const now = this.clock.now();
    const expired = (await Promise.all([partitions, ledger, files].map((c) => this.fake.list(c))))
      .flat()
      .filter((d) => typeof d.data.expireAt === 'number' && d.data.expireAt < now);
    await this.fake.transaction(async (tx) => {
      for (const d of expired) tx.delete(d.path);
    });
    return expired.length;
  }

  async ledgerDocs(): Promise<Record<string, unknown>[]> {
    return (await this.fake.list(this.topology.firestore.collections.ledger)).map((d) => d.data);
  }

  deadLetters(): Record<string, unknown>[] {
    return this.publisher.on(this.topology.topics.deadLetter.name).map((m) => JSON.parse(m.data.toString('utf8')) as Record<string, unknown>);
  }
}
