/**
 * The exactly-once regression rig (issue 14): one window-aggregator served in-process with
 * functions-framework behind the topology's real push subscriptions (the keyed one ordered), over
 * the real Firestore, Pub/Sub and BigQuery emulators, each adapter behind the cloud's rules (the
 * enforcing wrappers, always on here: a commit over 10 MiB or a document over 1 MiB is refused
 * with INVALID_ARGUMENT as Firestore refuses it). It records every delivery the handler saw (kind,
 * bundle id, outcome or error), every message the aggregator published, and any BigQuery insert or
 * Pub/Sub publish made while one of its Firestore transactions was open.
 *
 * An unexpected delivery error (anything but an injected fault) fails the waiting test at once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, expect } from 'vitest';
import { bootstrapTopology } from '../../../emulators/bootstrap';
import { serveFunctions, type ServedFunctions } from '../../../emulators/serve';
import { BigQuerySink, FirestoreStateStore, PubSubPublisher } from '../../../shared/adapters';
import { partitionOf } from '../../../shared/core/hash';
import { encodeKeyedBundle, encodeTick, WIRE_VERSION, type KeyedRecord } from '../../../shared/messages';
import type { AnyPipeline } from '../../../shared/pipeline';
import { FakeClock } from '../../../shared/ports/clock';
import type { OutboundMessage, Publisher } from '../../../shared/ports/publisher';
import { EnforcingPublisher, EnforcingSink, EnforcingStateStore } from '../../../shared/ports/rules';
import type { Row, Sink } from '../../../shared/ports/sink';
import type { StateStore, StateTx } from '../../../shared/ports/state-store';
import { createAggregatorHandler, type AggregatorOptions, type FaultInjector, type HandlerOutcome, InjectedFault, type PubSubCloudEvent } from '../../../shared/stages/aggregator';
import { topologyFor, type Topology } from '../../../shared/topology';
import { captureDeliberateThrows, type DeliberateThrows } from '../deliberate-throws';
import { freshPrefix, stackClients, stackClientsConfig, waitFor } from '../helpers';

export const clients = stackClients();

/** One push delivery the handler saw. */
export interface Delivery {
  kind: string;
  bundleId?: string;
  /** The topic whose subscription pushed it. */
  topic: string;
  outcome?: HandlerOutcome;
  error?: unknown;
}

export interface RigOptions {
  aggregation: string;
  startMs: number;
  faults?: FaultInjector;
  options?: AggregatorOptions;
  /**
   * Run every transaction callback twice, as the Firestore client does when a commit is ABORTED on
   * contention: a first attempt whose reads are real and whose writes are dropped, then the real one.
   */
  rerunTransactions?: boolean;
}

export class Rig {
  readonly clock: FakeClock;
  readonly deliveries: Delivery[] = [];
  /** Messages the aggregator published (advances, continuations, dead letters), by topic. */
  readonly published: Array<{ topic: string; message: OutboundMessage }> = [];
  /** Inserts and publishes made while a Firestore transaction of the aggregator was open. */
  readonly effectsInsideTransaction: string[] = [];
  /** Transactions the aggregator committed. */
  commits = 0;
  /** Transaction callbacks run and discarded (`rerunTransactions`). */
  abortedAttempts = 0;
  topology!: Topology;
  private served?: ServedFunctions;
  private throws?: DeliberateThrows;
  /** Set inside a transaction callback's async context (deliveries run concurrently: a counter would mix them up). */
  private readonly inTransaction = new AsyncLocalStorage<true>();

  constructor(
    readonly pipeline: AnyPipeline,
    readonly opts: RigOptions,
  ) {
    this.clock = new FakeClock(opts.startMs);
  }

  async start(tag: string): Promise<void> {
    this.throws = captureDeliberateThrows();
    const cfg = stackClientsConfig();
    this.topology = topologyFor(this.pipeline, { project: cfg.projectId, region: 'europe-west1', env: 'local', prefix: freshPrefix(tag) });
    const fields = { timestampFields: ['expireAt'] };
    const store = this.watchStore(new EnforcingStateStore(new FirestoreStateStore(clients.firestore, fields), fields));
    const sink = this.watchSink(new EnforcingSink(new BigQuerySink(clients.bigquery, this.topology.dataset.id)));
    const publisher = this.watchPublisher(new EnforcingPublisher(new PubSubPublisher(clients.pubsub)));
    const handler = createAggregatorHandler({
      pipeline: this.pipeline,
      topology: this.topology,
      store,
      sink,
      publisher,
      clock: this.clock,
      ...(this.opts.faults ? { faults: this.opts.faults } : {}),
      options: { outboxGraceMs: 0, ...this.opts.options },
    });
    const fnName = `agg_${tag}`;
    this.served = await serveFunctions({
      [fnName]: {
        cloudEvent: async (event) => {
          const data = event.data as PubSubCloudEvent['data'];
          const delivery = this.describe(event.source, data);
          this.deliveries.push(delivery);
          try {
            delivery.outcome = await handler({ source: event.source, data });
          } catch (err) {
            delivery.error = err;
            throw err instanceof InjectedFault ? this.throws!.deliberate(err) : err;
          }
        },
      },
    });
    const summary = await bootstrapTopology(this.topology, clients, {
      pushBaseUrl: (stage) => (stage === 'aggregator' ? this.served!.urlOf(fnName) : undefined),
      unserved: 'pull',
    });
    expect(summary.drift).toEqual([]);
  }

  /** Starts the rig before the file's tests and stops it after them. */
  use(tag: string): this {
    beforeAll(() => this.start(tag), 120_000);
    afterAll(() => this.stop());
    return this;
  }

  async stop(): Promise<void> {
    await this.served?.close();
    this.throws?.restore();
  }

  private describe(source: string | undefined, data: PubSubCloudEvent['data']): Delivery {
    const topic = /\/topics\/([^/]+)$/.exec(source ?? '')?.[1] ?? '?';
    try {
      const msg = JSON.parse(Buffer.from(data?.message?.data ?? '', 'base64').toString('utf8')) as { kind?: string; bundleId?: string };
      return { kind: String(msg.kind), ...(msg.bundleId ? { bundleId: msg.bundleId } : {}), topic };
    } catch {
      return { kind: 'undecodable', topic };
    }
  }

  private watchStore(inner: StateStore): StateStore {
    return {
      transaction: async <T>(fn: (tx: StateTx) => Promise<T>): Promise<T> => {
        let attempts = 0;
        const out = await inner.transaction((tx) =>
          this.inTransaction.run(true, async () => {
            if (this.opts.rerunTransactions && attempts++ === 0) {
              await fn({ getAll: (paths) => tx.getAll(paths), set: () => {}, delete: () => {} });
              this.abortedAttempts++;
            }
            return fn(tx);
          }),
        );
        this.commits++;
        return out;
      },
      getAll: (paths) => inner.getAll(paths),
      list: (collection, fields) => inner.list(collection, fields),
    };
  }

  private watchSink(inner: Sink): Sink {
    return {
      insert: async (table: string, rows: Row[]) => {
        if (this.inTransaction.getStore()) this.effectsInsideTransaction.push(`insert ${table} (${rows.length} rows)`);
        return inner.insert(table, rows);
      },
    };
  }

  private watchPublisher(inner: Publisher): Publisher {
    return {
      publish: async (topic: string, messages: OutboundMessage[]) => {
        if (this.inTransaction.getStore()) this.effectsInsideTransaction.push(`publish ${topic} (${messages.length} messages)`);
        const ids = await inner.publish(topic, messages);
        for (const message of messages) this.published.push({ topic, message });
        return ids;
      },
    };
  }

  /** Delivery errors nobody injected: a test waiting on deliveries fails on the first one. */
  unexpectedErrors(): unknown[] {
    return this.deliveries.filter((d) => d.error !== undefined && !(d.error instanceof InjectedFault)).map((d) => d.error);
  }

  /** Waits for `probe`, failing at once if a delivery failed unexpectedly (a permanent error retried, say). */
  async until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, deadlineMs = 90_000): Promise<T> {
    return waitFor(
      what,
      async () => {
        const bad = this.unexpectedErrors();
        if (bad.length > 0) throw new Error(`while waiting for ${what}: a delivery failed: ${bad.map((e) => (e instanceof Error ? e.message : String(e)).slice(0, 300)).join(' | ')}`);
        return probe();
      },
      deadlineMs,
    );
  }

  /** Successful deliveries (handler returned) of `kind`. */
  succeeded(kind: string): Delivery[] {
    return this.deliveries.filter((d) => d.kind === kind && d.outcome !== undefined);
  }

  /** The ordering key a keyed message belongs under: its aggregation and partition. */
  static orderingKeyOf(data: string): string {
    const { aggregation, partition } = JSON.parse(data) as { aggregation: string; partition: number };
    return `${aggregation}/${partition}`;
  }

  /** Publishes keyed messages (in order, each under its partition's ordering key). */
  async publishKeyed(datas: string[], orderingKey?: (data: string) => string): Promise<void> {
    await new PubSubPublisher(clients.pubsub).publish(
      this.topology.topics.keyed.name,
      datas.map((d) => ({ data: Buffer.from(d), orderingKey: (orderingKey ?? Rig.orderingKeyOf)(d) })),
    );
  }

  /** Publishes bundles and waits until each was handled successfully once more than before (redeliveries of an id included). */
  async applyBundles(bundles: string[], deadlineMs = 120_000): Promise<Delivery[]> {
    const want = new Map<string, number>();
    const count = (): Map<string, number> => {
      const m = new Map<string, number>();
      for (const d of this.succeeded('bundle')) m.set(d.bundleId!, (m.get(d.bundleId!) ?? 0) + 1);
      return m;
    };
    const before = count();
    for (const b of bundles) {
      const id = (JSON.parse(b) as { bundleId: string }).bundleId;
      want.set(id, (want.get(id) ?? before.get(id) ?? 0) + 1);
    }
    const seen = this.deliveries.length;
    await this.publishKeyed(bundles);
    await this.until(
      `${bundles.length} bundles applied`,
      () => {
        const now = count();
        return [...want].every(([id, n]) => (now.get(id) ?? 0) >= n) ? true : undefined;
      },
      deadlineMs,
    );
    return this.deliveries.slice(seen).filter((d) => d.kind === 'bundle' && d.outcome !== undefined);
  }

  /** Advances the aggregator published (from ticks and continuations). */
  publishedAdvances(): number {
    return this.published.filter((p) => p.topic === this.topology.topics.keyed.name && p.message.data.toString('utf8').includes('"kind":"advance"')).length;
  }

  /**
   * Publishes a tick on the tick topic, waits for it and for every advance published so far (its
   * own, and the continuations those publish) to be handled. Returns how many advances the tick sent.
   */
  async tick(deadlineMs = 90_000): Promise<number> {
    const ticks = this.succeeded('tick').length;
    await new PubSubPublisher(clients.pubsub).publish(this.topology.topics.tick.name, [{ data: Buffer.from(encodeTick({ v: WIRE_VERSION, kind: 'tick', pipeline: this.pipeline.name })) }]);
    await this.until('the tick', () => (this.succeeded('tick').length > ticks ? true : undefined));
    const out = this.succeeded('tick').at(-1)!.outcome as { advanced: string[] };
    await this.until('every advance handled', () => (this.succeeded('advance').length >= this.publishedAdvances() ? true : undefined), deadlineMs);
    return out.advanced.length;
  }

  /** Ticks a minute apart (as Cloud Scheduler does) until a tick sends no advance. */
  async tickUntilQuiet(maxRounds = 10, deadlineMs = 90_000): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      if ((await this.tick(deadlineMs)) === 0) return;
      this.clock.advance(61_000);
    }
    throw new Error(`still advancing after ${maxRounds} ticks`);
  }

  /** Dead letters the aggregator published: reason, and the payload's bundle id when it has one. */
  deadLetters(): Array<{ reason: string; attempt: number; bundleId?: string; eventId?: string }> {
    return this.published
      .filter((p) => p.topic === this.topology.topics.deadLetter.name)
      .map((p) => {
        const letter = JSON.parse(p.message.data.toString('utf8')) as { reason: string; attempt: number; payload?: string; eventId?: string };
        let bundleId: string | undefined;
        try {
          bundleId = (JSON.parse(letter.payload ?? '') as { bundleId?: string }).bundleId;
        } catch {
          bundleId = undefined;
        }
        return { reason: letter.reason, attempt: letter.attempt, ...(bundleId ? { bundleId } : {}), ...(letter.eventId ? { eventId: letter.eventId } : {}) };
      });
  }

  /** Rows of `<aggregation>_panes` (the raw table: every insert, duplicates included). */
  async paneRows(columns: string[]): Promise<Record<string, unknown>[]> {
    const [rows] = await clients.bigquery.query({
      query: `SELECT ${['pane_id', 'key', 'window_start', 'window_end', 'pane_index', 'pane_timing', ...columns].join(', ')} FROM \`${this.topology.project}.${this.topology.dataset.id}.${this.opts.aggregation}_panes\``,
    });
    return (rows as Record<string, unknown>[]).map((r) => ({ ...r, window_start: tsMillis(r.window_start), window_end: tsMillis(r.window_end) }));
  }
}

/** Bundles records per partition of `aggregation` (`partitions` of them), `perBundle` records each, with unique bundle ids. */
export function bundlesFor(pipeline: string, aggregation: string, partitions: number, records: readonly KeyedRecord[], perBundle: number, idPrefix: string): string[] {
  const byPartition = new Map<number, KeyedRecord[]>();
  for (const r of records) {
    const p = partitionOf(r.key, partitions);
    byPartition.set(p, [...(byPartition.get(p) ?? []), r]);
  }
  const out: string[] = [];
  for (const [partition, rs] of [...byPartition].sort((a, b) => a[0] - b[0])) {
    for (let i = 0; i < rs.length; i += perBundle) {
      out.push(encodeKeyedBundle({ v: WIRE_VERSION, kind: 'bundle', pipeline, aggregation, partition, bundleId: `${idPrefix}-${partition}-${i / perBundle}`, records: rs.slice(i, i + perBundle) }));
    }
  }
  return out;
}

/** BigQuery's client returns TIMESTAMPs as `{value}` objects (or strings): epoch ms. */
export function tsMillis(v: unknown): number {
  const s = typeof v === 'object' && v !== null && 'value' in v ? String((v as { value: unknown }).value) : String(v);
  return Date.parse(s);
}

/** The latest pane per `key|start|end` (highest pane_index), after removing repeated pane ids. */
export function latestByWindow(rows: Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const id = `${String(r.key)}|${Number(r.window_start)}|${Number(r.window_end)}`;
    const cur = out.get(id);
    if (!cur || Number(r.pane_index) > Number(cur.pane_index)) out.set(id, r);
  }
  return out;
}

/** Pane ids that occur more than once in `rows`. */
export function repeatedPaneIds(rows: Record<string, unknown>[]): string[] {
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(String(r.pane_id), (seen.get(String(r.pane_id)) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}
