/**
 * The partition document: everything one (aggregation, partition) keeps, read and written once per
 * bundle in one transaction.
 *
 * Layout (Firestore indexes every field unless exempted, and a nested map of windows would cost an
 * index entry per leaf and could hit the 40,000-entries-per-document limit):
 * - the engine state is ONE string field (`state`: JSON, or `stateGz`: base64 gzip of it when the
 *   JSON is larger than {@link GZIP_ABOVE_BYTES}); a gzip larger than {@link STATE_INLINE_BYTES}
 *   spreads over chunk documents `<partition doc>/state/<i>` (field `gz`, each at most
 *   {@link STATE_CHUNK_BYTES}) written in the same transaction, their number in `stateChunks`;
 *   past {@link MAX_STATE_BYTES} of gzip the state is refused (`partition_state_too_large`);
 * - the outbox (fired panes and late records not yet confirmed in BigQuery) is ONE string field,
 *   or, when one transaction fires more than {@link OUTBOX_INLINE_BYTES} of rows (a watermark jump
 *   over many windows), chunk documents `<partition doc>/outbox/<seq>-<i>` written in the same
 *   transaction and named in `outboxChunks`;
 * - the summary the tick reads with a projection (`maxEventTime`, `lastEventAt`, `watermark`,
 *   `aggWatermark`, `timerEventTime`, `timerProcessingTime`, `outboxCount`) are top-level numbers,
 *   as are the running record counts `sluice status` shows (`recordsApplied`, `recordsLate`:
 *   committed with the state, so each record is counted exactly once; duplicates are not counted
 *   here, since a redelivery that changes nothing writes nothing).
 * Infrastructure should exempt `state`, `stateGz`, `outbox` (and the ledger's `ids`) from
 * single-field indexing: they are never queried.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { initialPartitionState, type PartitionState } from '../../core/engine';
import { LimitError } from '../../core/errors';
import { MIN_TIMESTAMP } from '../../core/time';
import type { WatermarkState } from '../../core/watermark';
import type { Doc } from '../../ports/state-store';
import type { Row } from '../../ports/sink';

/** Engine state JSON above this size is stored gzipped (base64) to stay far from the 1 MiB document limit. */
export const GZIP_ABOVE_BYTES = 64 * 1024;

/** Refuse to write a partition document larger than this (a safety net: the state and outbox spread before). */
export const MAX_PARTITION_DOC_BYTES = 900 * 1024;

/** Gzipped state (base64) up to this size stays in the partition document; more spreads over chunk documents. */
export const STATE_INLINE_BYTES = 256 * 1024;

/** Size of one state chunk document's `gz` piece: far under Firestore's 1 MiB per document. */
export const STATE_CHUNK_BYTES = 768 * 1024;

/**
 * Largest gzipped state (base64) a partition may hold: with an outbox of a bounded step (a few
 * MiB) one commit stays well under Firestore's 10 MiB per request. Beyond it: raise `partitions`.
 */
export const MAX_STATE_BYTES = 4 * 1024 * 1024;

/** Path of state chunk `i` of the partition document at `path`. */
export function stateChunkPath(path: string, i: number): string {
  return `${path}/state/${i}`;
}

/** Number of state chunk documents a stored partition document names. */
export function stateChunkCount(d: Doc | undefined): number {
  return typeof d?.stateChunks === 'number' ? d.stateChunks : 0;
}

/** An encoded partition document and the `gz` pieces of its state chunk documents (often none). */
export interface EncodedPartition {
  doc: Doc;
  stateChunks: string[];
}

/** Outbox JSON up to this size stays in the partition document; more goes to chunk documents. */
export const OUTBOX_INLINE_BYTES = 256 * 1024;

/** Target size of one outbox chunk document. */
export const OUTBOX_CHUNK_BYTES = 512 * 1024;

/** A row fired but not yet confirmed in BigQuery. */
export interface OutboxEntry {
  /** Monotonic per partition document; entries ≤ a confirmed sequence number are in BigQuery. */
  seq: number;
  table: string;
  row: Row;
  /** For panes: the window end, to report `pane_latency` once the row is written. */
  windowEnd?: number;
}

/** The decoded partition document. */
export interface PartitionDoc {
  aggregation: string;
  partition: number;
  /** Random id given when the document is created; scopes in-memory confirmation caches. */
  epoch: string;
  /** This partition's watermark estimate from its own data. */
  wm: WatermarkState;
  /** The aggregation watermark carried by the last advance message. */
  aggWatermark: number;
  state: PartitionState;
  outbox: OutboxEntry[];
  /** Ids of the outbox chunk documents (under the partition document's `outbox` collection); empty when inline. */
  outboxChunks: string[];
  /** Highest outbox sequence number ever assigned. */
  outboxSeq: number;
  /** Starts of the ledger buckets that exist (for explicit deletion: the emulator has no TTL). */
  ledgerBuckets: number[];
  /** Earliest watermark at which a ledger bucket expires, or null. */
  ledgerExpiry: number | null;
  /**
   * Running counts since the document was created, committed with the state: a record counts once
   * (a record redelivered after its ledger bucket expired — late for every window by then — counts again).
   */
  counts: RecordCounts;
}

/** A partition's running record counts. */
export interface RecordCounts {
  /** Records applied to the state (on time or late). */
  applied: number;
  /** Applied records that were too late for every window (to `late_data`). */
  late: number;
}

/** Fields the tick reads (projection). */
export const SUMMARY_FIELDS = [
  'aggregation',
  'partition',
  'maxEventTime',
  'lastEventAt',
  'watermark',
  'aggWatermark',
  'timerEventTime',
  'timerProcessingTime',
  'outboxCount',
  'updatedAt',
  'recordsApplied',
  'recordsLate',
] as const;

/** The projection the tick reads. */
export interface PartitionSummary {
  aggregation: string;
  partition: number;
  wm: WatermarkState;
  aggWatermark: number;
  timerEventTime: number | null;
  timerProcessingTime: number | null;
  outboxCount: number;
  /** Processing time of the last committed transaction. */
  updatedAt: number | null;
  counts: RecordCounts;
}

export function newPartitionDoc(aggregation: string, partition: number, epoch: string): PartitionDoc {
  return {
    aggregation,
    partition,
    epoch,
    wm: { maxEventTime: null, lastEventAt: null, watermark: MIN_TIMESTAMP },
    aggWatermark: MIN_TIMESTAMP,
    state: initialPartitionState(),
    outbox: [],
    outboxChunks: [],
    outboxSeq: 0,
    ledgerBuckets: [],
    ledgerExpiry: null,
    counts: { applied: 0, late: 0 },
  };
}

const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Decodes a stored partition document; `stateChunks` are its state chunk documents, in order. */
export function decodePartitionDoc(d: Doc, stateChunks: readonly (Doc | undefined)[] = []): PartitionDoc {
  const count = stateChunkCount(d);
  if (stateChunks.length !== count || stateChunks.some((c) => typeof c?.gz !== 'string')) {
    throw new Error(`partition document ${String(d.aggregation)}/${String(d.partition)} names ${count} state chunks; ${stateChunks.length} were read, or one is missing`);
  }
  const gz = count > 0 ? stateChunks.map((c) => c!.gz as string).join('') : typeof d.stateGz === 'string' ? d.stateGz : undefined;
  const stateJson = gz !== undefined ? gunzipSync(Buffer.from(gz, 'base64')).toString('utf8') : typeof d.state === 'string' ? d.state : undefined;
  return {
    aggregation: String(d.aggregation),
    partition: num(d.partition, 0),
    epoch: String(d.epoch ?? ''),
    wm: { maxEventTime: numOrNull(d.maxEventTime), lastEventAt: numOrNull(d.lastEventAt), watermark: num(d.watermark, MIN_TIMESTAMP) },
    aggWatermark: num(d.aggWatermark, MIN_TIMESTAMP),
    state: stateJson === undefined ? initialPartitionState() : (JSON.parse(stateJson) as PartitionState),
    outbox: typeof d.outbox === 'string' && d.outbox.length > 0 ? (JSON.parse(d.outbox) as OutboxEntry[]) : [],
    outboxChunks: Array.isArray(d.outboxChunks) ? (d.outboxChunks as string[]) : [],
    outboxSeq: num(d.outboxSeq, 0),
    ledgerBuckets: Array.isArray(d.ledgerBuckets) ? (d.ledgerBuckets as number[]) : [],
    ledgerExpiry: numOrNull(d.ledgerExpiry),
    counts: countsOf(d),
  };
}

const countsOf = (d: Doc): RecordCounts => ({ applied: num(d.recordsApplied, 0), late: num(d.recordsLate, 0) });

/** `expireAt` (TTL) is set only when the partition holds nothing: no windows, no outbox. */
function idleExpireAt(keyCount: number, outboxCount: number, now: number, idleRetentionMs: number): number | null {
  return keyCount === 0 && outboxCount === 0 ? now + idleRetentionMs : null;
}

/**
 * The stored document after its outbox was confirmed in BigQuery: outbox fields emptied, nothing
 * else touched (the state, inline or in chunks, is not decoded).
 */
export function withClearedOutbox(d: Doc, now: number, idleRetentionMs: number): Doc {
  const keyCount = typeof d.keyCount === 'number' ? d.keyCount : 0;
  return { ...d, outbox: '', outboxCount: 0, outboxChunks: [], updatedAt: now, expireAt: idleExpireAt(keyCount, 0, now, idleRetentionMs) };
}

/**
 * Encodes the document (and its state chunks). An abandoned aggregation's partitions disappear
 * `idleRetentionMs` after they last held anything (TTL on `expireAt`).
 *
 * @throws LimitError (`partition_state_too_large`) when the gzipped state exceeds {@link MAX_STATE_BYTES},
 *   or the document would exceed {@link MAX_PARTITION_DOC_BYTES}.
 */
export function encodePartitionDoc(p: PartitionDoc, now: number, idleRetentionMs: number): EncodedPartition {
  const json = JSON.stringify(p.state);
  const doc: Doc = {
    aggregation: p.aggregation,
    partition: p.partition,
    epoch: p.epoch,
    maxEventTime: p.wm.maxEventTime,
    lastEventAt: p.wm.lastEventAt,
    watermark: p.wm.watermark,
    aggWatermark: p.aggWatermark,
    engineWatermark: p.state.watermark,
    timerEventTime: minOrNull(p.state.timers.eventTime, p.ledgerExpiry),
    timerProcessingTime: p.state.timers.processingTime,
    keyCount: p.state.keys.length,
    outboxCount: p.outbox.length,
    outboxSeq: p.outboxSeq,
    outbox: p.outbox.length > 0 && p.outboxChunks.length === 0 ? JSON.stringify(p.outbox) : '',
    outboxChunks: p.outboxChunks,
    ledgerBuckets: p.ledgerBuckets,
    ledgerExpiry: p.ledgerExpiry,
    updatedAt: now,
    recordsApplied: p.counts.applied,
    recordsLate: p.counts.late,
    expireAt: idleExpireAt(p.state.keys.length, p.outbox.length, now, idleRetentionMs),
    stateChunks: 0,
  };
  const stateChunks: string[] = [];
  if (Buffer.byteLength(json) <= GZIP_ABOVE_BYTES) doc.state = json;
  else {
    const gz = gzipSync(json).toString('base64');
    if (gz.length > MAX_STATE_BYTES) {
      throw new LimitError(
        'partition_state_too_large',
        `partition ${p.aggregation}/${p.partition}'s state would be ${gz.length} bytes gzipped, over the ${MAX_STATE_BYTES}-byte budget that keeps a commit under Firestore's 10 MiB request limit; raise the aggregation's partitions (fewer keys per partition)`,
      );
    }
    if (gz.length <= STATE_INLINE_BYTES) doc.stateGz = gz;
    else for (let i = 0; i < gz.length; i += STATE_CHUNK_BYTES) stateChunks.push(gz.slice(i, i + STATE_CHUNK_BYTES));
    doc.stateChunks = stateChunks.length;
  }
  const bytes = approximateBytes(doc);
  if (bytes > MAX_PARTITION_DOC_BYTES) {
    throw new LimitError(
      'partition_state_too_large',
      `partition document ${p.aggregation}/${p.partition} would be ${bytes} bytes, over the ${MAX_PARTITION_DOC_BYTES}-byte budget under Firestore's 1 MiB limit; raise the aggregation's partitions (fewer keys per document)`,
    );
  }
  return { doc, stateChunks };
}

export function decodeSummary(d: Doc): PartitionSummary {
  return {
    aggregation: String(d.aggregation),
    partition: num(d.partition, 0),
    wm: { maxEventTime: numOrNull(d.maxEventTime), lastEventAt: numOrNull(d.lastEventAt), watermark: num(d.watermark, MIN_TIMESTAMP) },
    aggWatermark: num(d.aggWatermark, MIN_TIMESTAMP),
    timerEventTime: numOrNull(d.timerEventTime),
    timerProcessingTime: numOrNull(d.timerProcessingTime),
    outboxCount: num(d.outboxCount, 0),
    updatedAt: numOrNull(d.updatedAt),
    counts: countsOf(d),
  };
}

/**
 * Splits outbox entries into chunks of about {@link OUTBOX_CHUNK_BYTES} of JSON each, or returns
 * `undefined` when the whole outbox fits inline.
 */
export function chunkOutbox(entries: readonly OutboxEntry[]): OutboxEntry[][] | undefined {
  const sizes = entries.map((e) => Buffer.byteLength(JSON.stringify(e)) + 1);
  if (sizes.reduce((a, b) => a + b, 2) <= OUTBOX_INLINE_BYTES) return undefined;
  const chunks: OutboxEntry[][] = [];
  let cur: OutboxEntry[] = [];
  let bytes = 2;
  entries.forEach((e, i) => {
    const n = sizes[i] as number;
    if (cur.length > 0 && bytes + n > OUTBOX_CHUNK_BYTES) {
      chunks.push(cur);
      cur = [];
      bytes = 2;
    }
    cur.push(e);
    bytes += n;
  });
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}

function minOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** Firestore's document size, approximately: field names + string bytes + 8 per number. */
export function approximateBytes(doc: Doc): number {
  let n = 32;
  for (const [k, v] of Object.entries(doc)) {
    n += k.length + 1;
    if (typeof v === 'string') n += Buffer.byteLength(v) + 1;
    else if (Array.isArray(v)) n += v.length * 8;
    else n += 8;
  }
  return n;
}
