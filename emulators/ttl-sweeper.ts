/**
 * Firestore's TTL, which the emulator does not implement: for each TTL policy of the topology
 * (collection group + field, `topology.firestore.ttlPolicies`), delete the documents whose field
 * holds a Timestamp earlier than the wall clock, as Firestore's TTL does. Like the real policy, it
 * acts on the collection group across the whole database, leaves a document whose field is absent,
 * null or not a Timestamp alone, and deletes the document only (never its subcollections). Firestore
 * deletes within a day of expiry; this deletes when called, so tests can sweep at the worst moment.
 *
 * A document rewritten between the query and the delete is kept: each delete is conditional on the
 * update time that was read, as a writer that just extended `expireAt` must not lose its document.
 */
import { type Firestore, Timestamp } from '@google-cloud/firestore';
import type { Topology } from '../shared/topology';

/** One document the sweep deleted. */
export interface SweptDocument {
  path: string;
  collectionGroup: string;
  /** The TTL field's value, epoch ms. */
  expiredAt: number;
}

/** FAILED_PRECONDITION: the document changed (or vanished) since it was read. */
const FAILED_PRECONDITION = 9;

/** Deletes every document `now` (epoch ms, wall clock) has expired under the topology's TTL policies. */
export async function sweepExpired(firestore: Firestore, topology: Topology, now: number): Promise<SweptDocument[]> {
  const swept: SweptDocument[] = [];
  for (const { collectionGroup, field } of topology.firestore.ttlPolicies) {
    // A range filter on a Timestamp matches Timestamp values only: numbers and nulls stay.
    const snap = await firestore.collectionGroup(collectionGroup).where(field, '<', Timestamp.fromMillis(now)).get();
    const deleted = await Promise.all(
      snap.docs.map(async (d) => {
        try {
          await d.ref.delete({ lastUpdateTime: d.updateTime });
          return { path: d.ref.path, collectionGroup, expiredAt: (d.get(field) as Timestamp).toMillis() };
        } catch (err) {
          if ((err as { code?: unknown }).code === FAILED_PRECONDITION) return undefined;
          throw err;
        }
      }),
    );
    for (const d of deleted) if (d) swept.push(d);
  }
  return swept;
}

export interface TtlSweeperOptions {
  /** Time between sweeps. */
  intervalMs: number;
  /** Wall clock (default `Date.now`). */
  now?: () => number;
  /** Told what each sweep deleted (only when it deleted something). */
  onSweep?: (swept: SweptDocument[]) => void;
  /** Told when a sweep fails; the next one still runs. */
  onError?: (err: unknown) => void;
}

/** A TTL sweep every `intervalMs` (never two at once); `stop` resolves once no sweep is running. */
export function startTtlSweeper(firestore: Firestore, topology: Topology, options: TtlSweeperOptions): { stop(): Promise<void> } {
  const now = options.now ?? Date.now;
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = sweepExpired(firestore, topology, now())
      .then((swept) => {
        if (swept.length > 0) options.onSweep?.(swept);
      }, options.onError ?? (() => undefined))
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
