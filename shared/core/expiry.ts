/**
 * When a document whose deletion changes results may expire. Firestore's TTL deletes by WALL
 * CLOCK, while what makes a dedupe-ledger bucket (or a partition's state) unneeded is the
 * WATERMARK passing an event-time horizon. Processing can lag event time by hours (a backlog, an
 * outage, a replay from the archive), and Pub/Sub may redeliver a message until its subscription's
 * retention runs out, so the TTL time is the later of
 *
 *  - the horizon mapped to wall clock: `now + (horizon − watermark)` — the watermark cannot pass
 *    the horizon sooner than that unless events push it (and then the owner deletes the document
 *    itself, explicitly, as soon as the watermark passes the horizon);
 *  - `now + retention + margin` — no redelivery of anything applied by `now` can arrive later.
 *
 * It is recomputed on every write of the document, so a document that stays in use stays alive.
 */

/** Inputs of {@link wallClockExpiry}; all times epoch ms. */
export interface ExpiryInput {
  /** Event time the watermark must pass before the document is unneeded; null: needed for ever. */
  horizon: number | null;
  /** The owner's watermark now (event time). */
  watermark: number;
  /** Wall clock now. */
  now: number;
  /** How long a message may still be redelivered: the subscription's message retention. */
  retentionMs: number;
  /** Safety margin beyond the retention (clock skew, ack deadlines). */
  marginMs: number;
  /** Latest time the store can hold (Firestore Timestamps end at 9999-12-31). */
  latestMs: number;
}

/** The wall-clock TTL time of a document, or null when it must never expire by TTL. */
export function wallClockExpiry(i: ExpiryInput): number | null {
  if (i.horizon === null) return null;
  const horizonLeft = Math.max(0, i.horizon - i.watermark);
  const expiry = i.now + Math.max(horizonLeft, i.retentionMs + i.marginMs);
  return Number.isFinite(expiry) && expiry < i.latestMs ? expiry : i.latestMs;
}
