/**
 * The window-aggregator's processing path over ports: one transaction per message on the ordered
 * keyed stream, exactly-once effect through a per-record dedupe ledger, panes through an outbox.
 *
 * For a keyed bundle of partition (a, p):
 *  1. One transaction reads the partition document and the ledger buckets the records fall in.
 *     Outbox entries of an earlier transaction that this process has not itself seen confirmed are
 *     inserted into BigQuery now (idempotent: insert id = pane id), so the same transaction may
 *     clear them. Records whose token is already in their bucket are duplicates and are skipped.
 *     The engine applies the rest with the watermark `max(last advance's aggregation watermark,
 *     this partition's own estimate)`; fired panes and late records become the new outbox.
 *     Ledger buckets whose expiry the watermark passed are deleted.
 *  2. After commit, the outbox is inserted into BigQuery; its sequence number is remembered as
 *     confirmed (in memory), so the next transaction on this instance clears it without re-inserting.
 *  3. The caller acks. A crash anywhere re-delivers the message: the ledger makes the redelivery a
 *     no-op for state, and the outbox still in the document is re-inserted (duplicates of a pane are
 *     the same pane id; the latest-pane view deduplicates).
 *
 * An *advance* (from the tick) runs the same transaction without records. The tick reads every
 * partition's summary with one projection query, combines the watermarks, and publishes advances
 * on the ordered stream to partitions with due timers or an unconfirmed outbox.
 */
import { randomUUID } from 'node:crypto';
import { compileAggregation, planStep, processBundle, timersDue, type CompiledAggregation, type Element } from '../../core/engine';
import { partitionOf } from '../../core/hash';
import { SluiceError } from '../../core/errors';
import { wallClockExpiry } from '../../core/expiry';
import { END_OF_TIME, isStorableTime, MAX_STORABLE_TIME, MIN_TIMESTAMP } from '../../core/time';
import { advanceWatermark, combineWatermarks, observeEvents, watermarkPolicy, type WatermarkPolicy } from '../../core/watermark';
import { BIGQUERY_INSERT_RECOMMENDED_ROWS } from '../../limits';
import type { AdvanceMessage, KeyedBundle, KeyedRecord, TickMessage } from '../../messages';
import { deadLetterOf, encodeAdvance, encodeDeadLetter, orderingKeyOf, Stage, WIRE_VERSION } from '../../messages';
import { SLUICE_METRICS, type Logger } from '../../observability/log';
import { maxFutureSkewMs, PANES_SUFFIX, type AggregationDefinition, type AnyPipeline } from '../../pipeline';
import type { Clock } from '../../ports/clock';
import type { Publisher } from '../../ports/publisher';
import { RowsRejectedError, type Row, type Sink } from '../../ports/sink';
import type { StateStore } from '../../ports/state-store';
import type { Topology } from '../../topology';
import { FaultPoint, InjectedFault, type FaultContext, type FaultInjector } from './faults';
import { bucketStartOf, idToken, LedgerBucket, ledgerDocId } from './ledger';
import {
  chunkOutbox,
  decodePartitionDoc,
  decodeSummary,
  encodePartitionDoc,
  newPartitionDoc,
  SUMMARY_FIELDS,
  type OutboxEntry,
  stateChunkCount,
  stateChunkPath,
  withClearedOutbox,
  type PartitionDoc,
  type PartitionSummary,
} from './partition-doc';
import { lateRow, PaneRowWriter } from './rows';

const DAY_MS = 86_400_000;
/** Rows per BigQuery insert request. */
const INSERT_BATCH_ROWS = BIGQUERY_INSERT_RECOMMENDED_ROWS;

export interface AggregatorOptions {
  /** Event-time width of a ledger bucket (default 60 s): ~12 bytes per event per bucket document. */
  ledgerBucketMs?: number;
  /** Kept beyond the last moment a duplicate could still change a window (default 60 s). */
  ledgerMarginMs?: number;
  /** TTL of a partition document that holds nothing (default 30 days). */
  idleRetentionMs?: number;
  /**
   * A partition whose last transaction left an outbox gets an advance from the tick once it has been
   * quiet this long (default 60 s), so its panes are confirmed and cleared even if no message follows.
   */
  outboxGraceMs?: number;
  /** Id of a newly created partition document (default: a random UUID). */
  newEpoch?: () => string;
  /**
   * Timers one commit may fire (default 2,000): a pane row is ~0.7–2 KB, so a commit carries at
   * most a few MiB of outbox, well under Firestore's 10 MiB request limit; the rest continues in a
   * self-addressed advance.
   */
  maxFiringsPerCommit?: number;
}

export interface AggregatorDeps {
  pipeline: AnyPipeline;
  topology: Topology;
  store: StateStore;
  sink: Sink;
  /** Publishes advances (keyed topic) and dead letters. */
  publisher: Publisher;
  clock: Clock;
  logger?: Logger;
  /** Test-only crashes; none by default. */
  faults?: FaultInjector;
  options?: AggregatorOptions;
}

/** A record the aggregator refuses (permanent): the caller dead-letters it. */
export interface RejectedRecord {
  record: KeyedRecord;
  reason: 'invalid_event_time' | 'event_time_in_future' | 'wrong_partition';
  message: string;
}

export interface BundleOutcome {
  applied: number;
  duplicates: number;
  late: number;
  panes: number;
  rejected: RejectedRecord[];
}

export interface AdvanceOutcome {
  panes: number;
  /** False when the partition has no document (nothing to advance). */
  existed: boolean;
}

export interface TickOutcome {
  /** Aggregation watermark computed per aggregation. */
  watermarks: Record<string, number>;
  /** Advances published, as `aggregation/partition`. */
  advanced: string[];
}

/** Why a whole message is refused (permanent). */
export class RejectedMessageError extends SluiceError {
  readonly code = 'MESSAGE_REJECTED';
  readonly retryable = false;
  constructor(
    readonly reason: 'unknown_aggregation' | 'invalid_partition' | 'wrong_pipeline',
    message: string,
  ) {
    super(message);
  }
}

interface AggRuntime {
  def: AggregationDefinition;
  compiled: CompiledAggregation<Record<string, unknown>, unknown, Record<string, unknown>>;
  rows: PaneRowWriter;
  /** Watermark past a ledger bucket's end after which no record of it can change a window. */
  ledgerHorizonMs: number;
}

export class WindowAggregator {
  private readonly aggs = new Map<string, AggRuntime>();
  private readonly policy: WatermarkPolicy;
  private readonly bucketMs: number;
  private readonly marginMs: number;
  private readonly idleRetentionMs: number;
  /** Message retention of the keyed subscription: how late a redelivery can arrive. */
  private readonly retentionMs: number;
  private readonly futureSkewMs: number;
  private readonly maxFiringsPerCommit: number;
  private readonly outboxGraceMs: number;
  private readonly newEpoch: () => string;
  /** Highest outbox sequence number this process inserted, per partition document and epoch. */
  private readonly confirmed = new Map<string, number>();

  constructor(private readonly deps: AggregatorDeps) {
    const { pipeline, topology } = deps;
    if (!pipeline.watermark) throw new RangeError(`pipeline ${pipeline.name} has aggregations but no watermark bounds`);
    this.policy = watermarkPolicy(pipeline.watermark, 'watermark');
    this.futureSkewMs = maxFutureSkewMs(pipeline);
    this.maxFiringsPerCommit = deps.options?.maxFiringsPerCommit ?? 2_000;
    const o = deps.options ?? {};
    this.bucketMs = o.ledgerBucketMs ?? 60_000;
    if (!Number.isInteger(this.bucketMs) || this.bucketMs < 1000) throw new RangeError(`ledgerBucketMs must be a whole number ≥ 1000; got ${this.bucketMs}`);
    this.marginMs = o.ledgerMarginMs ?? 60_000;
    this.idleRetentionMs = o.idleRetentionMs ?? 30 * DAY_MS;
    const keyed = topology.subscriptions.find((s) => s.topic === 'keyed' && s.delivery.kind === 'push' && s.delivery.stage === 'aggregator');
    this.retentionMs = (keyed?.messageRetentionSeconds ?? 7 * 86_400) * 1000;
    this.outboxGraceMs = o.outboxGraceMs ?? 60_000;
    this.newEpoch = o.newEpoch ?? (() => randomUUID());
    pipeline.aggregations.forEach((def: AggregationDefinition, i: number) => {
      const compiled = compileAggregation(def, `aggregations[${i}]`);
      const table = topology.dataset.tables.find((t) => t.name === `${def.name}${PANES_SUFFIX}`);
      if (!table) throw new RangeError(`topology has no table ${def.name}${PANES_SUFFIX}`);
      const wf = compiled.windowFn;
      const span = wf.kind === 'fixed' || wf.kind === 'sliding' ? wf.sizeMs : wf.kind === 'sessions' ? wf.gapMs : Number.POSITIVE_INFINITY;
      this.aggs.set(def.name, {
        def,
        compiled,
        rows: new PaneRowWriter(pipeline.name, def, table),
        ledgerHorizonMs: span + compiled.allowedLatenessMs + this.marginMs,
      });
    });
  }

  /** Document path of a partition. */
  partitionPath(aggregation: string, partition: number): string {
    return `${this.deps.topology.firestore.collections.partitions}/${aggregation}-${partition}`;
  }

  private ledgerPath(aggregation: string, partition: number, bucketStart: number): string {
    return `${this.deps.topology.firestore.collections.ledger}/${ledgerDocId(aggregation, partition, bucketStart)}`;
  }

  private runtime(pipeline: string, aggregation: string, partition: number): AggRuntime {
    if (pipeline !== this.deps.pipeline.name) {
      throw new RejectedMessageError('wrong_pipeline', `this aggregator serves pipeline ${this.deps.pipeline.name}; the message is for ${pipeline}`);
    }
    const rt = this.aggs.get(aggregation);
    if (!rt) throw new RejectedMessageError('unknown_aggregation', `pipeline ${pipeline} has no aggregation ${JSON.stringify(aggregation)}`);
    if (!Number.isInteger(partition) || partition < 0 || partition >= rt.def.partitions) {
      throw new RejectedMessageError('invalid_partition', `aggregation ${aggregation} has partitions 0..${rt.def.partitions - 1}; got ${partition}`);
    }
    return rt;
  }

  /**
   * Wall-clock TTL time of a document the aggregator deletes itself once the watermark passes
   * `horizon`: never before a redelivery or the watermark could still need it (`wallClockExpiry`).
   */
  private ttlOf(horizon: number | null, watermark: number, now: number): number | null {
    return wallClockExpiry({ horizon, watermark, now, retentionMs: this.retentionMs, marginMs: this.marginMs, latestMs: MAX_STORABLE_TIME });
  }

  /** The watermark at which a ledger bucket starting at `start` is deleted (null: never, for the global window). */
  private bucketExpiry(rt: AggRuntime, start: number): number | null {
    const e = start + this.bucketMs + rt.ledgerHorizonMs;
    return Number.isFinite(e) && e < END_OF_TIME ? e : null;
  }

  /**
   * Applies a keyed bundle exactly once. Records with an invalid event time or a key of another
   * partition are returned as rejected (the caller dead-letters them) and not applied.
   *
   * @throws RejectedMessageError for a bundle of another pipeline, an unknown aggregation or partition.
   */
  async applyBundle(bundle: KeyedBundle): Promise<BundleOutcome> {
    const rt = this.runtime(bundle.pipeline, bundle.aggregation, bundle.partition);
    const { aggregation, partition } = bundle;
    const rejected: RejectedRecord[] = [];
    const valid: { rec: KeyedRecord; bucket: number; token: string }[] = [];
    // Never let one record move max event time beyond the clock + maxFutureSkew (ingest already
    // refuses such events by their publish time; this guards the keyed stream itself).
    const latest = this.deps.clock.now() + this.futureSkewMs;
    for (const rec of bundle.records) {
      if (!isStorableTime(rec.eventTime)) {
        rejected.push({ record: rec, reason: 'invalid_event_time', message: `eventTime must be whole epoch ms within 0001-01-01 … 9999-12-31; got ${String(rec.eventTime)}` });
      } else if (rec.eventTime > latest) {
        rejected.push({ record: rec, reason: 'event_time_in_future', message: `eventTime ${new Date(rec.eventTime).toISOString()} is beyond processing time + watermark.maxFutureSkew (${this.futureSkewMs} ms)` });
      } else if (partitionOf(rec.key, rt.def.partitions) !== partition) {
        rejected.push({
          record: rec,
          reason: 'wrong_partition',
          message: `key ${JSON.stringify(rec.key)} belongs to partition ${partitionOf(rec.key, rt.def.partitions)} of ${aggregation}, not ${partition} (partitionOf(key, ${rt.def.partitions}))`,
        });
      } else {
        valid.push({ rec, bucket: bucketStartOf(rec.eventTime, this.bucketMs), token: idToken(rec.eventId) });
      }
    }
    const buckets = [...new Set(valid.map((v) => v.bucket))].sort((a, b) => a - b);
    const ctx: FaultContext = { kind: 'bundle', aggregation, partition, bundleId: bundle.bundleId };
    const out = await this.transact(rt, partition, ctx, buckets, (pd, ledger, now) => {
      const elements: Element<Record<string, unknown>>[] = [];
      const seenExpired = new Set<string>();
      let duplicates = 0;
      let maxT = Number.NEGATIVE_INFINITY;
      for (const v of valid) {
        const b = ledger.get(v.bucket);
        // A bucket the watermark already expired is never read or written again: every record in
        // it is late for all its windows and goes to late data (whose insert id dedupes).
        let fresh: boolean;
        if (b !== undefined) fresh = b.add(v.token);
        else {
          fresh = !seenExpired.has(v.token);
          seenExpired.add(v.token);
        }
        if (!fresh) {
          duplicates++;
          continue;
        }
        elements.push({ key: v.rec.key, timestamp: v.rec.eventTime, value: v.rec.value, id: v.rec.eventId });
        if (v.rec.eventTime > maxT) maxT = v.rec.eventTime;
      }
      pd.wm = elements.length > 0 ? observeEvents(this.policy, pd.wm, maxT, now) : advanceWatermark(this.policy, pd.wm, now);
      return { elements, processingTime: now, duplicates };
    });
    return { applied: out.applied, duplicates: out.duplicates, late: out.late, panes: out.panes, rejected };
  }

  /** Applies an advance (watermark / processing time from the tick) to a partition. */
  async applyAdvance(msg: AdvanceMessage): Promise<AdvanceOutcome> {
    const rt = this.runtime(msg.pipeline, msg.aggregation, msg.partition);
    const ctx: FaultContext = { kind: 'advance', aggregation: msg.aggregation, partition: msg.partition };
    // An advance is a wake-up, not an authority: its watermark counts only up to what the
    // partitions' own summaries justify now (recomputed here, as the tick does), and its processing
    // time not at all. A forged or stale advance (END_OF_TIME, a far future) changes nothing.
    const justified = this.aggregationWatermark(partsOf(rt, await this.summaries()), this.deps.clock.now());
    const out = await this.transact(rt, msg.partition, ctx, [], (pd, _ledger, now) => {
      pd.aggWatermark = Math.max(pd.aggWatermark, Math.min(msg.watermark, justified));
      pd.wm = advanceWatermark(this.policy, pd.wm, now);
      return { elements: [], processingTime: now, duplicates: 0 };
    });
    return { panes: out.panes, existed: out.existed };
  }

  /** Every partition's summary (one projection query). */
  private async summaries(): Promise<PartitionSummary[]> {
    const docs = await this.deps.store.list(this.deps.topology.firestore.collections.partitions, [...SUMMARY_FIELDS]);
    return docs.map((d) => decodeSummary(d.data));
  }

  /**
   * An aggregation's watermark from its partitions' watermark states alone (idle ones do not hold
   * it back). No stored maximum enters it: a value one partition once accepted cannot spread.
   */
  private aggregationWatermark(parts: PartitionSummary[], now: number): number {
    return combineWatermarks(this.policy, parts.map((s) => s.wm), now);
  }

  /**
   * The tick: reads every partition's summary (one projection query), computes each aggregation's
   * watermark from all its partitions (idle partitions do not hold it back), and publishes an
   * advance to each partition with a due timer or an outbox to confirm.
   */
  async tick(msg: TickMessage): Promise<TickOutcome> {
    const { pipeline, clock, logger } = this.deps;
    if (msg.pipeline !== undefined && msg.pipeline !== pipeline.name) return { watermarks: {}, advanced: [] };
    const now = clock.now();
    const summaries = await this.summaries();
    const watermarks: Record<string, number> = {};
    const advanced: string[] = [];
    for (const [name, rt] of this.aggs) {
      const parts = partsOf(rt, summaries);
      if (parts.length === 0) continue;
      const W = this.aggregationWatermark(parts, now);
      watermarks[name] = W;
      if (W > MIN_TIMESTAMP) logger?.metric(SLUICE_METRICS.WATERMARK_LAG, { aggregation: name, valueMs: now - W, source: 'tick' });
      const due = parts
        .filter(
          (s) =>
            timersDue({ eventTime: s.timerEventTime, processingTime: s.timerProcessingTime }, W, now) ||
            (s.outboxCount > 0 && (s.updatedAt === null || now - s.updatedAt >= this.outboxGraceMs)),
        )
        .map((s) => s.partition);
      advanced.push(...due.map((p) => orderingKeyOf(name, p)));
      await this.publishAdvances(name, due, W, now);
    }
    return { watermarks, advanced };
  }

  /** Publishes an advance to each of `partitions`, on its own ordered stream. */
  private async publishAdvances(aggregation: string, partitions: number[], watermark: number, now: number): Promise<void> {
    if (partitions.length === 0) return;
    const { pipeline, topology, publisher } = this.deps;
    const messages = partitions.map((partition) => {
      const advance: AdvanceMessage = { v: WIRE_VERSION, kind: 'advance', pipeline: pipeline.name, aggregation, partition, watermark, processingTime: now };
      return { data: Buffer.from(encodeAdvance(advance)), orderingKey: orderingKeyOf(aggregation, partition), attributes: { 'sluice-kind': 'advance' } };
    });
    await publisher.publish(topology.topics.keyed.name, messages);
  }

  // ------------------------------------------------------------------------------------------

  /**
   * Persists that the outbox a step committed is in BigQuery: clears it from the partition document
   * (and its chunk documents) unless a later step has appended to it since. A redelivery or another
   * instance then finds nothing to insert again, and the tick no longer needs to wake the partition
   * for it. (A crash between the insert and this leaves the outbox: the next step inserts it again,
   * with the same insert ids and pane ids, which the latest-pane views deduplicate.)
   */
  private async clearOutbox(path: string, epoch: string, outboxSeq: number): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const [raw] = await tx.getAll([path]);
      if (raw === undefined || raw.epoch !== epoch || raw.outboxSeq !== outboxSeq || raw.outboxCount === 0) return;
      const chunks = Array.isArray(raw.outboxChunks) ? (raw.outboxChunks as string[]) : [];
      for (const id of chunks) tx.delete(`${path}/outbox/${id}`);
      tx.set(path, withClearedOutbox(raw, this.deps.clock.now(), this.idleRetentionMs));
    });
  }

  private confirmKey(path: string, epoch: string): string {
    return `${path}#${epoch}`;
  }

  /**
   * Inserts outbox rows, grouped by table. Rows the table refuses (a permanent error) are
   * dead-lettered with the reason and count as confirmed: a poison row must not block its partition.
   */
  private async insertEntries(entries: OutboxEntry[]): Promise<void> {
    const byTable = new Map<string, Row[]>();
    for (const e of entries) {
      const rows = byTable.get(e.table) ?? [];
      rows.push(e.row);
      byTable.set(e.table, rows);
    }
    for (const [table, all] of byTable) {
      // insertAll takes at most 50,000 rows and 10 MB per request: stay far below.
      for (let offset = 0; offset < all.length; offset += INSERT_BATCH_ROWS) {
        const rows = all.slice(offset, offset + INSERT_BATCH_ROWS);
        try {
          await this.deps.sink.insert(table, rows);
        } catch (err) {
          if (!(err instanceof RowsRejectedError)) throw err;
          await this.deadLetterRows(table, rows, err);
        }
      }
    }
  }

  private async deadLetterRows(table: string, rows: Row[], err: RowsRejectedError): Promise<void> {
    const { publisher, topology, pipeline, clock, logger } = this.deps;
    const letters = err.rejected.map((r) =>
      deadLetterOf({
        stage: Stage.AGGREGATOR,
        pipeline: pipeline.name,
        reason: 'rows_rejected',
        message: `${table} refused the row: ${r.reason}`,
        raw: JSON.stringify(rows[r.index]?.json ?? null),
        attempt: 1,
        at: clock.now(),
      }),
    );
    await publisher.publish(topology.topics.deadLetter.name, letters.map((d) => ({ data: Buffer.from(encodeDeadLetter(d)) })));
    for (const d of letters) logger?.metric(SLUICE_METRICS.DEAD_LETTER, { reason: d.reason, stage: Stage.AGGREGATOR, table });
  }

  private async transact(
    rt: AggRuntime,
    partition: number,
    ctx: FaultContext,
    buckets: number[],
    prepare: (
      pd: PartitionDoc,
      ledger: Map<number, LedgerBucket>,
      now: number,
    ) => { elements: Element<Record<string, unknown>>[]; processingTime: number; duplicates: number },
  ): Promise<{ applied: number; duplicates: number; late: number; panes: number; existed: boolean }> {
    const { store, clock, faults, logger, pipeline } = this.deps;
    const aggregation = rt.def.name;
    const path = this.partitionPath(aggregation, partition);
    // The callback only reads and writes Firestore: the client may run it more than once. Inserts
    // and publishes happen after the commit, from the outbox it persisted.
    const committed = await store.transaction(async (tx) => {
      const now = clock.now();
      const ledgerPaths = buckets.map((b) => this.ledgerPath(aggregation, partition, b));
      const [raw, ...ledgerRaw] = await tx.getAll([path, ...ledgerPaths]);
      if (raw === undefined && ctx.kind === 'advance') return undefined;
      // A state too large for one document lives in chunk documents: read them too (still before any write).
      const oldStateChunks = stateChunkCount(raw);
      const stateDocs = oldStateChunks > 0 ? await tx.getAll(Array.from({ length: oldStateChunks }, (_, i) => stateChunkPath(path, i))) : [];
      const pd = raw === undefined ? newPartitionDoc(aggregation, partition, this.newEpoch()) : decodePartitionDoc(raw, stateDocs);
      const confirmKey = this.confirmKey(path, pd.epoch);
      // An outbox still in the document was persisted by a step whose confirmation did not land
      // (a crash between insert and confirm), unless this process inserted it itself.
      const confirmedSeq = this.confirmed.get(confirmKey) ?? 0;
      // A large outbox lives in chunk documents: read them too (still before any write).
      const oldChunks = pd.outboxChunks.map((id) => `${path}/outbox/${id}`);
      if (oldChunks.length > 0) {
        const chunkDocs = await tx.getAll(oldChunks);
        pd.outbox = chunkDocs.flatMap((d) => (typeof d?.entries === 'string' ? (JSON.parse(d.entries) as OutboxEntry[]) : []));
        pd.outboxChunks = [];
      }

      const aggWatermarkBefore = pd.aggWatermark;
      const hadOutbox = pd.outbox.length > 0;
      // Entries an earlier step persisted but nobody confirmed stay in the outbox (inserted after this commit).
      const pending = pd.outbox.filter((e) => e.seq > confirmedSeq);

      // Ledger buckets still live at the current watermark (expired ones are skipped entirely).
      const oldWatermark = pd.state.watermark;
      const ledger = new Map<number, LedgerBucket>();
      buckets.forEach((b, i) => {
        const expiry = this.bucketExpiry(rt, b);
        if (expiry !== null && expiry <= oldWatermark) return;
        ledger.set(b, new LedgerBucket(ledgerPaths[i] as string, b, expiry, ledgerRaw[i]));
      });

      const { elements, processingTime, duplicates } = prepare(pd, ledger, now);
      // A bounded step: at most ~maxFiringsPerCommit timers fire in this commit; the rest continue
      // in a self-addressed advance (the target stays in the document's watermark inputs).
      const target = { watermark: Math.max(pd.aggWatermark, pd.wm.watermark), processingTime };
      const step = planStep(pd.state, target, this.maxFiringsPerCommit);
      const continues = step.watermark < target.watermark || step.processingTime < target.processingTime;
      const result = processBundle(rt.compiled, pd.state, { elements, ...step });

      pd.counts.applied += elements.length;
      pd.counts.late += result.late.length;
      const entries: OutboxEntry[] = [];
      for (const pane of result.panes) {
        entries.push({ seq: ++pd.outboxSeq, table: rt.rows.table.name, row: rt.rows.row(pane), windowEnd: pane.window.end });
      }
      for (const rec of result.late) {
        entries.push({ seq: ++pd.outboxSeq, table: 'late_data', row: lateRow(pipeline.name, aggregation, rt.compiled.allowedLatenessMs, rec, processingTime) });
      }
      pd.outbox = [...pending, ...entries];
      const chunks = chunkOutbox(pd.outbox);
      const chunkWrites = (chunks ?? []).map((c, i) => ({ id: `${pd.outboxSeq}-${i}`, entries: c }));
      pd.outboxChunks = chunkWrites.map((c) => c.id);

      // Ledger: write touched buckets, delete the ones the new watermark expired.
      const newWatermark = pd.state.watermark;
      const live = new Set(pd.ledgerBuckets);
      const writes: LedgerBucket[] = [];
      for (const b of ledger.values()) {
        if (!b.changed) continue;
        live.add(b.start);
        writes.push(b);
      }
      const deletes: number[] = [];
      let ledgerExpiry: number | null = null;
      for (const start of live) {
        const expiry = this.bucketExpiry(rt, start);
        if (expiry !== null && expiry <= newWatermark) deletes.push(start);
        else if (expiry !== null) ledgerExpiry = ledgerExpiry === null ? expiry : Math.min(ledgerExpiry, expiry);
      }
      for (const d of deletes) live.delete(d);
      pd.ledgerBuckets = [...live].sort((a, b) => a - b);
      pd.ledgerExpiry = ledgerExpiry;

      if (faults?.shouldFail(FaultPoint.BEFORE_COMMIT, ctx)) throw new InjectedFault(FaultPoint.BEFORE_COMMIT, ctx);
      // A redelivery of an applied bundle (or an advance with nothing due) changes nothing durable:
      // skip the write. What the engine would have advanced is recomputed next time from the
      // stored watermark inputs.
      const unchanged =
        raw !== undefined &&
        elements.length === 0 &&
        entries.length === 0 &&
        result.collected.length === 0 &&
        !hadOutbox &&
        writes.length === 0 &&
        deletes.length === 0 &&
        pd.aggWatermark === aggWatermarkBefore;
      if (unchanged) return { confirmKey, epoch: pd.epoch, outboxSeq: pd.outboxSeq, entries: pd.outbox, applied: 0, duplicates, late: 0, panes: 0, watermark: newWatermark, now, continues };
      const encoded = encodePartitionDoc(pd, now, this.idleRetentionMs);
      tx.set(path, encoded.doc);
      encoded.stateChunks.forEach((gz, i) => tx.set(stateChunkPath(path, i), { gz }));
      for (let i = encoded.stateChunks.length; i < oldStateChunks; i++) tx.delete(stateChunkPath(path, i));
      for (const c of oldChunks) tx.delete(c);
      for (const c of chunkWrites) tx.set(`${path}/outbox/${c.id}`, { seq: pd.outboxSeq, entries: JSON.stringify(c.entries) });
      const deleted = new Set(deletes);
      for (const b of writes) if (!deleted.has(b.start)) tx.set(b.path, b.toDoc(this.ttlOf(b.horizon, newWatermark, now)));
      for (const d of deletes) tx.delete(this.ledgerPath(aggregation, partition, d));
      return {
        confirmKey,
        epoch: pd.epoch,
        outboxSeq: pd.outboxSeq,
        entries: pd.outbox,
        applied: elements.length,
        duplicates,
        late: result.late.length,
        panes: result.panes.length,
        watermark: newWatermark,
        now,
        continues,
      };
    });
    if (committed === undefined) return { applied: 0, duplicates: 0, late: 0, panes: 0, existed: false };

    if (faults?.shouldFail(FaultPoint.AFTER_COMMIT, ctx)) throw new InjectedFault(FaultPoint.AFTER_COMMIT, ctx);
    const { entries, now } = committed;
    if (entries.length > 0) {
      await this.insertEntries(entries);
      if (faults?.shouldFail(FaultPoint.AFTER_INSERT, ctx)) throw new InjectedFault(FaultPoint.AFTER_INSERT, ctx);
      this.confirmed.set(committed.confirmKey, (entries[entries.length - 1] as OutboxEntry).seq);
      await this.clearOutbox(path, committed.epoch, committed.outboxSeq);
    }
    if (committed.continues) await this.publishAdvances(aggregation, [partition], committed.watermark, now);
    if (logger) {
      const written = clock.now();
      if (committed.watermark > MIN_TIMESTAMP) logger.metric(SLUICE_METRICS.WATERMARK_LAG, { aggregation, partition, valueMs: now - committed.watermark });
      for (const e of entries) {
        if (e.windowEnd !== undefined && e.windowEnd < END_OF_TIME) logger.metric(SLUICE_METRICS.PANE_LATENCY, { aggregation, valueMs: written - e.windowEnd });
        else if (e.table === 'late_data') logger.metric(SLUICE_METRICS.LATE_RECORD, { aggregation, eventId: e.row.json.event_id });
      }
    }
    return { applied: committed.applied, duplicates: committed.duplicates, late: committed.late, panes: committed.panes, existed: true };
  }
}

/** The summaries of `rt`'s aggregation's own partitions. */
function partsOf(rt: AggRuntime, summaries: PartitionSummary[]): PartitionSummary[] {
  return summaries.filter((s) => s.aggregation === rt.def.name && s.partition < rt.def.partitions);
}
