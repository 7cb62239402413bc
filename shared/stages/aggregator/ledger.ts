/**
 * The dedupe ledger: which event ids a partition has already processed (applied to a window or
 * routed to late data), kept per event-time bucket. A duplicate of an event has the same key and
 * event time, so it always lands in the same partition and the same bucket: a bundle costs one read
 * and one write per bucket it touches, whatever its composition.
 *
 * Ids are stored as fixed-size tokens (66 bits of SHA-256, 11 base64url characters) joined into ONE
 * string field, so a ledger document is a single non-array field (one index entry, or none once
 * the field is exempted from indexing) and its size is predictable: ~12 bytes per event.
 */
import { createHash } from 'node:crypto';
import { LimitError } from '../../core/errors';
import type { Doc } from '../../ports/state-store';

/** Bytes per stored id (token + separator). */
export const LEDGER_BYTES_PER_ID = 12;

/** A bucket holding more ids than this would near Firestore's 1 MiB document limit. */
export const LEDGER_MAX_IDS = 75_000;

/** A fixed-size token for an event id: 66 bits of SHA-256, base64url. */
export function idToken(eventId: string): string {
  return createHash('sha256').update(eventId).digest('base64url').slice(0, 11);
}

/** Start of the bucket holding event time `t` (buckets are `[start, start + widthMs)`). */
export function bucketStartOf(t: number, widthMs: number): number {
  return t - (((t % widthMs) + widthMs) % widthMs);
}

/** Document id of a ledger bucket: `<aggregation>-<partition>-<bucketStart>`. */
export function ledgerDocId(aggregation: string, partition: number, bucketStart: number): string {
  return `${aggregation}-${partition}-${bucketStart}`;
}

/** One ledger bucket as loaded in a transaction. */
export class LedgerBucket {
  private readonly seen: Set<string>;
  private added: string[] = [];

  constructor(
    readonly path: string,
    readonly start: number,
    /** Watermark after which no record of the bucket can change a window; null for the global window. */
    readonly horizon: number | null,
    stored: Doc | undefined,
  ) {
    const ids = typeof stored?.ids === 'string' && stored.ids.length > 0 ? stored.ids.split(' ') : [];
    this.seen = new Set(ids);
  }

  /** Records `token`; false when it was already there (a duplicate). */
  add(token: string): boolean {
    if (this.seen.has(token)) return false;
    this.seen.add(token);
    this.added.push(token);
    return true;
  }

  get changed(): boolean {
    return this.added.length > 0;
  }

  get size(): number {
    return this.seen.size;
  }

  /**
   * The document to write. `expireAt` is its wall-clock TTL time (`wallClockExpiry`; stored as a
   * Timestamp by the Firestore adapter), never the event-time horizon: Firestore's TTL deletes by
   * wall clock.
   * @throws LimitError (`ledger_bucket_full`) when the bucket would hold more than {@link LEDGER_MAX_IDS} ids.
   */
  toDoc(expireAt: number | null): Doc {
    if (this.seen.size > LEDGER_MAX_IDS) {
      throw new LimitError(
        'ledger_bucket_full',
        `ledger bucket ${this.path} would hold ${this.seen.size} event ids (> ${LEDGER_MAX_IDS}, ~${LEDGER_BYTES_PER_ID} bytes each, near Firestore's 1 MiB document limit); lower ledgerBucketMs or raise the aggregation's partitions`,
      );
    }
    return { start: this.start, expireAt, count: this.seen.size, ids: [...this.seen].join(' ') };
  }
}
