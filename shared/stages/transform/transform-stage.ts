/**
 * The transform stage over ports: one delivery (an `EventBundle` from the events topic) in; clean
 * rows in BigQuery `events`, keyed bundles per (aggregation, partition) on the keyed topic and dead
 * letters out. Per record, in order: guards → schema (with coercion) → drift → expectations → PII →
 * enrichment → filter → user transform → keys.
 *
 * Deliveries are group-committed: each waits (bounded) for concurrent deliveries to join, then one
 * flush inserts all their rows, publishes all their keyed records as one bundle per touched
 * partition, and publishes their dead letters. A delivery returns (is acked) only after the flush it
 * joined is durable; a failed flush rejects every delivery in it (they are redelivered; the
 * aggregator dedupes per event id, `events_dedup` per row).
 */
import { partitionOf } from '../../core/hash';
import { BIGQUERY_INSERT_RECOMMENDED_ROWS } from '../../limits';
import {
  type BundleLimits,
  DEFAULT_BUNDLE_MAX_BYTES,
  type DeadLetter,
  deadLetterOf,
  encodeDeadLetter,
  type Envelope,
  guardValue,
  type InputLimits,
  type KeyedRecord,
  Stage,
  utf8Length,
  withheldMessage,
} from '../../messages';
import { type AnyPipeline, applyPii, keyedValueOf, keyOf, outputRecordSchema, type RecordContext } from '../../pipeline';
import type { Clock } from '../../ports/clock';
import type { Publisher } from '../../ports/publisher';
import { RowsRejectedError, type Sink } from '../../ports/sink';
import type { StateStore } from '../../ports/state-store';
import { createLogger, type Logger, SLUICE_METRICS } from '../../observability/log';
import type { Topology } from '../../topology';
import { deliveriesInFlight } from '../../topology/delivery';
import { FunctionStage } from '../../topology/types';
import { GroupCommitter } from '../group-commit';
import { decodeDelivery } from './decode-delivery';
import { Enricher } from './enrichment';
import { EventsRowBuilder } from './events-row';
import { ExpectationSuite, type RuleCounts } from './expectations';
import { KeyedPublisher, type PartitionedRecord } from './keyed-output';
import { compileRecordSchema, recordValidatorFor, validateRecord } from './record-validator';
import { diffShape, initialRegistryState, type ObservedChange, SchemaRegistry, shapeOf } from './schema-drift';
import type { SideInputLoader, SideTable } from './side-inputs';

/** One Pub/Sub delivery as the stage sees it. */
export interface TransformDelivery {
  data: Uint8Array;
  attributes: Record<string, string>;
  messageId: string;
  /** 1 for the first delivery. */
  attempt: number;
}

/** What happened to one delivery (for logs and tests). */
export interface TransformOutcome {
  envelopes: number;
  rows: number;
  filtered: number;
  keyedRecords: number;
  deadLettered: { eventId?: string; reason: string }[];
  /** Drift changes this delivery was first to record. */
  driftRecorded: ObservedChange[];
}

export interface TransformOptions {
  /** Group commit: how long a delivery waits for others (bounded), and the group's caps. */
  groupCommit?: { maxDelayMs?: number; maxDeliveries?: number; maxRecords?: number };
  /** Keyed bundle caps (default 256 KiB, 1000 records). */
  bundleLimits?: BundleLimits;
  /** Guards on decoding deliveries. */
  inputLimits?: Partial<InputLimits>;
  /** Rows per `events` insert request (BigQuery recommends ≤ 500). */
  insertMaxRows?: number;
}

export interface TransformDeps {
  pipeline: AnyPipeline;
  topology: Topology;
  sink: Sink;
  publisher: Publisher;
  state: StateStore;
  sideInputs: SideInputLoader;
  /** Secret by id (HMAC keys for PII hashing). */
  secret: (id: string) => string | Uint8Array;
  clock: Clock;
  logger?: Logger;
  options?: TransformOptions;
}

/** Running totals of one stage instance. */
export interface TransformStats {
  deliveries: number;
  envelopes: number;
  rows: number;
  filtered: number;
  deadLettered: number;
  keyedRecords: number;
  keyedBundles: number;
  keyedBytes: number;
  flushes: number;
  eventsInserts: number;
  deadLetterPublishes: number;
  driftTransactions: number;
  deadLetterReasons: Record<string, number>;
  expectations: Record<string, RuleCounts>;
}

/**
 * Default group-commit delay. In the cloud, DESIGN §4 paces each partition at about one bundle per
 * second per instance (a partition document sustains about one write per second). Locally the
 * Pub/Sub emulator pushes only 2 deliveries at a time, so holding each for a second would cap the
 * dev stack at 2 deliveries per second: there the delay is short (a latency knob, not semantics).
 * Either way a group flushes at once when every delivery the instance can have in flight has
 * joined it (`deliveriesInFlight`): under load, locally, the delay is not waited at all.
 */
export const DEFAULT_GROUP_DELAY_MS = { cloud: 1000, local: 100 } as const;

/** `events` insert requests in flight per flush. */
const INSERT_CONCURRENCY = 4;

type RecordResult =
  | { kind: 'row'; row: Record<string, unknown>; keyed: PartitionedRecord[] }
  | { kind: 'filtered' }
  | { kind: 'dead'; reason: string; message: string };

interface PendingRow {
  eventId: string;
  json: Record<string, unknown>;
  keyed: PartitionedRecord[];
  envelope: Envelope;
  attempt: number;
}

interface Work {
  rows: PendingRow[];
  deadLetters: DeadLetter[];
}

/** The transform stage of one pipeline (one per instance; see the module comment). */
export class TransformStage {
  readonly stats: TransformStats = {
    deliveries: 0,
    envelopes: 0,
    rows: 0,
    filtered: 0,
    deadLettered: 0,
    keyedRecords: 0,
    keyedBundles: 0,
    keyedBytes: 0,
    flushes: 0,
    eventsInserts: 0,
    deadLetterPublishes: 0,
    driftTransactions: 0,
    deadLetterReasons: {},
    expectations: {},
  };
  private readonly pipeline: AnyPipeline;
  private readonly logger: Logger;
  private readonly validate;
  private readonly outputValidate;
  private readonly expectations: ExpectationSuite;
  private readonly enricher: Enricher;
  private readonly rows: EventsRowBuilder;
  private readonly registry: SchemaRegistry;
  private readonly declared;
  private readonly keyed: KeyedPublisher;
  private readonly committer: GroupCommitter<Work>;
  private readonly deadLetterTopic: string;
  private readonly eventsTable = 'events';
  private readonly insertMaxRows: number;
  private readonly maxKeyedRecordBytes: number;
  private readonly isCsvShaped = (e: Envelope) => e.source.format === 'csv';

  constructor(private readonly deps: TransformDeps) {
    const { pipeline, topology } = deps;
    this.pipeline = pipeline;
    this.logger = deps.logger ?? createLogger({ pipeline: pipeline.name, stage: Stage.TRANSFORM });
    this.validate = recordValidatorFor(pipeline);
    this.outputValidate = pipeline.transform ? compileRecordSchema(outputRecordSchema(pipeline)) : undefined;
    this.expectations = ExpectationSuite.forPipeline(pipeline);
    this.enricher = new Enricher(pipeline, deps.sideInputs, deps.clock, (name, err) =>
      this.logger.log('WARNING', `side input '${name}' refresh failed; serving the previous data`, {
        sideInput: name,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
    this.rows = new EventsRowBuilder(pipeline);
    this.registry = new SchemaRegistry({
      pipeline: pipeline.name,
      schema: pipeline.schema,
      store: deps.state,
      sink: deps.sink,
      documentPath: `${topology.firestore.collections.schemaRegistry}/latest`,
    });
    this.declared = new Map(initialRegistryState(pipeline.schema).fields.map((f) => [f.path, f]));
    const opts = deps.options ?? {};
    const bundleLimits = opts.bundleLimits ?? {};
    this.maxKeyedRecordBytes = (bundleLimits.maxBytes ?? DEFAULT_BUNDLE_MAX_BYTES) - 512;
    this.keyed = new KeyedPublisher({ publisher: deps.publisher, topic: topology.topics.keyed.name, pipeline: pipeline.name, limits: bundleLimits });
    this.deadLetterTopic = topology.topics.deadLetter.name;
    this.insertMaxRows = opts.insertMaxRows ?? BIGQUERY_INSERT_RECOMMENDED_ROWS;
    const gc = opts.groupCommit ?? {};
    this.committer = new GroupCommitter<Work>({
      maxDelayMs: gc.maxDelayMs ?? DEFAULT_GROUP_DELAY_MS[topology.env],
      maxItems: gc.maxDeliveries ?? 64,
      // A group holding every delivery the instance can have in flight is full: flush it at once.
      maxWaiters: deliveriesInFlight(topology, FunctionStage.TRANSFORM),
      maxWeight: gc.maxRecords ?? 5000,
      weigh: (w) => w.rows.length + w.deadLetters.length,
      flush: (works) => this.flush(works),
      clock: deps.clock,
    });
  }

  /**
   * Processes one delivery. Resolves once everything it produced is durable (ack); rejects only
   * for transient failures (nack: Pub/Sub redelivers).
   */
  async handle(delivery: TransformDelivery): Promise<TransformOutcome> {
    this.stats.deliveries++;
    const now = this.deps.clock.now();
    const outcome: TransformOutcome = { envelopes: 0, rows: 0, filtered: 0, keyedRecords: 0, deadLettered: [], driftRecorded: [] };
    const work: Work = { rows: [], deadLetters: [] };
    const dead = (reason: string, message: string, raw: string | Uint8Array, attributes: Record<string, string>, eventId?: string) => {
      work.deadLetters.push(
        deadLetterOf({
          stage: Stage.TRANSFORM,
          reason,
          message,
          raw,
          attributes,
          pipeline: this.pipeline.name,
          ...(eventId === undefined ? {} : { eventId }),
          attempt: delivery.attempt,
          at: now,
        }),
      );
      outcome.deadLettered.push({ ...(eventId === undefined ? {} : { eventId }), reason });
    };

    // Raw text that is not one envelope (a whole bundle, an unreadable envelope) cannot be redacted
    // field by field: under PII rules it is withheld (ingest's raw archive keeps the original).
    const unredactable = (reason: string, message: string, raw: string | Uint8Array, attributes: Record<string, string>, eventId?: string): void => {
      if (this.pipeline.pii.length === 0) dead(reason, message, raw, attributes, eventId);
      else dead(reason, withheldMessage(message, 'raw archive'), '', attributes, eventId);
    };

    const decoded = decodeDelivery(delivery.data, this.deps.options?.inputLimits);
    if (!decoded.ok) {
      outcome.envelopes = 1;
      unredactable(decoded.error.reason, decoded.error.message, delivery.data, delivery.attributes);
    } else if (decoded.pipeline !== this.pipeline.name) {
      outcome.envelopes = decoded.envelopes.length + decoded.rejected.length;
      unredactable('wrong_pipeline', `bundle is for pipeline '${decoded.pipeline}' but this transform serves '${this.pipeline.name}'; check the events topic's subscriptions`, delivery.data, delivery.attributes);
    } else {
      outcome.envelopes = decoded.envelopes.length + decoded.rejected.length;
      // A guarded envelope rejected for its content still holds PII: redact it like any per-record dead letter.
      for (const r of decoded.rejected) {
        if (r.envelope) dead(r.reason, r.message, this.redacted(r.envelope), r.attributes ?? delivery.attributes, r.eventId);
        else unredactable(r.reason, r.message, r.raw, r.attributes ?? delivery.attributes, r.eventId);
      }
      const tables = decoded.envelopes.length > 0 && !this.enricher.isEmpty ? await this.enricher.tables() : new Map<string, SideTable>();
      if (decoded.envelopes.length > 0) await this.registry.ready(now);
      const drift: ObservedChange[] = [];
      for (const { envelope } of decoded.envelopes) {
        let result: RecordResult;
        try {
          result = this.processRecord(envelope, tables, now, drift);
        } catch (err) {
          // A bug or an unexpected value in pure per-record work: permanent for this record.
          result = { kind: 'dead', reason: 'internal_error', message: err instanceof Error ? err.message : String(err) };
        }
        if (result.kind === 'dead') dead(result.reason, result.message, this.redacted(envelope), envelope.source.attributes, envelope.eventId);
        else if (result.kind === 'filtered') outcome.filtered++;
        else {
          work.rows.push({ eventId: envelope.eventId, json: result.row, keyed: result.keyed, envelope, attempt: delivery.attempt });
          outcome.keyedRecords += result.keyed.length;
        }
      }
      if (drift.length > 0 || this.registry.outboxDue(now)) {
        this.stats.driftTransactions++;
        outcome.driftRecorded = await this.registry.record(drift, now);
        for (const c of outcome.driftRecorded) {
          this.logger.log('WARNING', 'schema_drift', { field: c.field, change: c.change, previousType: c.previousType, observedType: c.observedType, action: c.action, schemaVersion: this.registry.version });
        }
      }
    }
    outcome.rows = work.rows.length;

    // Nothing to make durable (every record filtered): no need to wait for a group.
    if (work.rows.length > 0 || work.deadLetters.length > 0) await this.committer.add([work]);

    this.stats.envelopes += outcome.envelopes;
    this.stats.rows += outcome.rows;
    this.stats.filtered += outcome.filtered;
    this.stats.keyedRecords += outcome.keyedRecords;
    this.stats.deadLettered += outcome.deadLettered.length;
    for (const d of outcome.deadLettered) {
      this.stats.deadLetterReasons[d.reason] = (this.stats.deadLetterReasons[d.reason] ?? 0) + 1;
      this.logger.metric(SLUICE_METRICS.DEAD_LETTER, { reason: d.reason, ...(d.eventId ? { eventId: d.eventId } : {}) });
    }
    if (outcome.filtered > 0) this.logger.log('INFO', 'records_filtered', { count: outcome.filtered });
    const counts = this.expectations.takeCounts();
    for (const [id, c] of Object.entries(counts)) {
      const total = (this.stats.expectations[id] ??= { passed: 0, failed: 0 });
      total.passed += c.passed;
      total.failed += c.failed;
    }
    if (Object.keys(counts).length > 0) this.logger.log('INFO', 'expectations', { counts });
    return outcome;
  }

  /** Flushes whatever deliveries are waiting (shutdown, tests). */
  drain(): Promise<void> {
    return this.committer.drain();
  }

  /**
   * The envelope as a dead letter's payload: the record with the definition's PII rules applied, so
   * the dead-letter table never holds what `events` may not (the raw archive keeps the original).
   * Envelopes the guards rejected are kept as received: they cannot be safely walked.
   */
  private redacted(envelope: Envelope): string {
    if (this.pipeline.pii.length === 0) return JSON.stringify(envelope);
    return JSON.stringify({ ...envelope, record: applyPii(envelope.record as Record<string, unknown>, this.pipeline.pii, this.deps.secret) });
  }

  private processRecord(envelope: Envelope, tables: ReadonlyMap<string, SideTable>, now: number, drift: ObservedChange[]): RecordResult {
    const p = this.pipeline;
    const raw = envelope.record as Record<string, unknown>;
    const v = validateRecord(this.validate, raw, p.schema);
    if (!v.ok) return { kind: 'dead', reason: v.reason, message: v.message };
    let record = v.record;

    // Drift: compare the record as the producer typed it (CSV cells are all strings: use the coerced one).
    const shaped = this.isCsvShaped(envelope) ? record : raw;
    const vsSchema = diffShape(shapeOf(shaped, this.declared), this.declared);
    const unknown = vsSchema.find((c) => c.change === 'added');
    const retyped = vsSchema.find((c) => c.change === 'retyped');
    let rejected: RecordResult | undefined;
    if (unknown && p.schemaDrift.unknownFields === 'deadLetter') {
      rejected = { kind: 'dead', reason: 'schema_drift:unknown_field', message: `${unknown.field}: not a field of the record schema (schemaDrift.unknownFields is 'deadLetter'); declare it or set 'keep'` };
    } else if (retyped && p.schemaDrift.typeChanges === 'deadLetter') {
      rejected = { kind: 'dead', reason: 'schema_drift:retyped', message: `${retyped.field}: declared ${retyped.previousType} but sent as ${retyped.observedType} (schemaDrift.typeChanges is 'deadLetter'); send the declared type or set 'record'` };
    }
    for (const c of this.registry.diff(shaped)) drift.push({ ...c, sampleEventId: envelope.eventId, action: rejected ? 'dead_lettered' : 'kept' });
    if (rejected) return rejected;

    const ex = this.expectations.evaluate(record, envelope.eventTime, now);
    const failed = ex.failed[0];
    if (failed) {
      const rest = ex.failed.slice(1).map((f) => f.id);
      return { kind: 'dead', reason: `expectation:${failed.id}`, message: `${failed.message}${rest.length ? ` (also failed: ${rest.join(', ')})` : ''}` };
    }

    record = applyPii(record, p.pii, this.deps.secret);

    const enriched = this.enricher.apply(record, tables);
    if (!enriched.ok) return { kind: 'dead', reason: enriched.reason, message: enriched.message };
    record = enriched.record;

    if (p.filter || p.transform) {
      const context: RecordContext = {
        pipeline: p.name,
        eventId: envelope.eventId,
        eventTime: envelope.eventTime,
        ingestTime: envelope.ingestTime,
        attributes: Object.freeze({ ...envelope.source.attributes }),
      };
      if (p.filter) {
        let keep: boolean;
        try {
          keep = p.filter(structuredClone(record), context) as boolean;
        } catch (err) {
          return { kind: 'dead', reason: 'user_transform_error', message: `filter threw: ${err instanceof Error ? err.message : String(err)}` };
        }
        if (!keep) return { kind: 'filtered' };
      }
      if (p.transform) {
        let out: unknown;
        try {
          out = p.transform(structuredClone(record), context);
          if (typeof out !== 'object' || out === null || Array.isArray(out)) throw new Error(`must return a record object; returned ${out === null ? 'null' : Array.isArray(out) ? 'an array' : typeof out}`);
          guardValue(out, {}, 'transform output');
        } catch (err) {
          return { kind: 'dead', reason: 'user_transform_error', message: `transform: ${err instanceof Error ? err.message : String(err)}` };
        }
        const checked = validateRecord(this.outputValidate!, out as Record<string, unknown>);
        if (!checked.ok) {
          return { kind: 'dead', reason: 'user_transform_error', message: `transform output breaks the output schema (${checked.reason}): ${checked.message}` };
        }
        record = checked.record;
      }
    }

    const keyed: PartitionedRecord[] = [];
    for (const a of p.aggregations) {
      const key = keyOf(record, a.keyFields);
      if (key === undefined) {
        return { kind: 'dead', reason: 'missing_key', message: `aggregation ${a.name}: key fields ${a.keyFields.join(', ')} must all be present scalars` };
      }
      if (key.length > 1024) return { kind: 'dead', reason: 'key_too_long', message: `aggregation ${a.name}: key of ${key.length} characters exceeds 1024` };
      const kr: KeyedRecord = { eventId: envelope.eventId, key, eventTime: envelope.eventTime, value: keyedValueOf(record, a) };
      if (utf8Length(JSON.stringify(kr)) > this.maxKeyedRecordBytes) {
        return { kind: 'dead', reason: 'keyed_record_too_large', message: `aggregation ${a.name}: keyed record exceeds ${this.maxKeyedRecordBytes} bytes` };
      }
      keyed.push({ aggregation: a.name, partition: partitionOf(key, a.partitions), record: kr });
    }
    return { kind: 'row', row: this.rows.build(envelope, record), keyed };
  }

  private async flush(works: Work[]): Promise<void> {
    this.stats.flushes++;
    const rows = works.flatMap((w) => w.rows);
    const deadLetters = works.flatMap((w) => w.deadLetters);
    // Keyed bundles take their partitions' turn now (flush order), and go out once the rows are in.
    const inserted = this.insertRows(rows, deadLetters);
    const [published] = await Promise.all([
      this.keyed.publish(
        rows.flatMap((r) => r.keyed),
        inserted,
      ),
      inserted.then((): Promise<unknown> => {
        if (deadLetters.length === 0) return Promise.resolve();
        this.stats.deadLetterPublishes++;
        return this.deps.publisher.publish(
          this.deadLetterTopic,
          deadLetters.map((d) => ({
            data: Buffer.from(encodeDeadLetter(d), 'utf8'),
            attributes: { 'sluice-kind': 'dead-letter', 'sluice-stage': d.stage, 'sluice-reason': d.reason },
          })),
        );
      }),
    ]);
    this.stats.keyedBundles += published.bundles;
    this.stats.keyedBytes += published.bytes;
  }

  /**
   * Inserts the rows into `events`; resolves to the event ids the table refused (dead-lettered
   * into `deadLetters`: they would never be accepted, so they are not retried).
   */
  private async insertRows(rows: readonly PendingRow[], deadLetters: DeadLetter[]): Promise<ReadonlySet<string>> {
    const refused = new Set<string>();
    const chunks: PendingRow[][] = [];
    for (let start = 0; start < rows.length; start += this.insertMaxRows) chunks.push(rows.slice(start, start + this.insertMaxRows));
    // Chunks go in parallel, a few at a time (insertAll latency, not bandwidth, bounds a flush).
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        this.stats.eventsInserts++;
        try {
          await this.deps.sink.insert(this.eventsTable, chunk.map((r) => ({ insertId: r.eventId, json: r.json })));
        } catch (err) {
          if (!(err instanceof RowsRejectedError)) throw err;
          for (const r of err.rejected) {
            const row = chunk[r.index];
            if (row) this.refuse(row, r.reason, refused, deadLetters);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(INSERT_CONCURRENCY, chunks.length) }, worker));
    return refused;
  }

  /** Dead-letters a row the table refused (it would never be accepted, so it is not retried). */
  private refuse(row: PendingRow, reason: string, refused: Set<string>, deadLetters: DeadLetter[]): void {
    refused.add(row.eventId);
    deadLetters.push(
      deadLetterOf({
        stage: Stage.TRANSFORM,
        reason: 'rows_rejected',
        message: `events rejected the row: ${reason}`,
        raw: this.redacted(row.envelope),
        attributes: row.envelope.source.attributes,
        pipeline: this.pipeline.name,
        eventId: row.eventId,
        attempt: row.attempt,
        at: this.deps.clock.now(),
      }),
    );
    this.stats.deadLetterReasons.rows_rejected = (this.stats.deadLetterReasons.rows_rejected ?? 0) + 1;
    this.logger.metric(SLUICE_METRICS.DEAD_LETTER, { reason: 'rows_rejected', eventId: row.eventId });
  }
}
