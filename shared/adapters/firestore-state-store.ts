import { type DocumentData, type Firestore, Timestamp } from '@google-cloud/firestore';
import { isFirestoreTimestampMs } from '../limits/firestore';
import type { Doc, StateStore, StateTx } from '../ports/state-store';

export interface FirestoreStateStoreOptions {
  /**
   * Top-level fields holding epoch milliseconds that must be stored as Firestore Timestamps,
   * because TTL policies only act on Timestamp fields (e.g. `expireAt`). Converted back on read.
   */
  timestampFields?: string[];
  /** Attempts before a contended transaction gives up (Firestore's default is 5). */
  maxAttempts?: number;
}

/** StateStore over Firestore. Paths are `collection/id[/collection/id…]`. */
export class FirestoreStateStore implements StateStore {
  private readonly timestampFields: string[];
  private readonly maxAttempts: number;

  constructor(
    private readonly db: Firestore,
    options: FirestoreStateStoreOptions = {},
  ) {
    this.timestampFields = options.timestampFields ?? [];
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  transaction<T>(fn: (tx: StateTx) => Promise<T>): Promise<T> {
    return this.db.runTransaction(
      (t) =>
        fn({
          getAll: async (paths) => {
            if (paths.length === 0) return [];
            const snaps = await t.getAll(...paths.map((p) => this.db.doc(p)));
            return snaps.map((s) => (s.exists ? this.fromStored(s.data() as DocumentData) : undefined));
          },
          set: (path, data) => {
            t.set(this.db.doc(path), this.toStored(data));
          },
          delete: (path) => {
            t.delete(this.db.doc(path));
          },
        }),
      { maxAttempts: this.maxAttempts },
    );
  }

  async getAll(paths: string[]): Promise<(Doc | undefined)[]> {
    if (paths.length === 0) return [];
    const snaps = await this.db.getAll(...paths.map((p) => this.db.doc(p)));
    return snaps.map((s) => (s.exists ? this.fromStored(s.data() as DocumentData) : undefined));
  }

  async list(collection: string, fields?: string[]): Promise<{ path: string; data: Doc }[]> {
    const ref = this.db.collection(collection);
    const snap = await (fields && fields.length > 0 ? ref.select(...fields) : ref).get();
    return snap.docs.map((d) => ({ path: d.ref.path, data: this.fromStored(d.data()) }));
  }

  private toStored(data: Doc): DocumentData {
    if (this.timestampFields.length === 0) return data;
    const out: DocumentData = { ...data };
    for (const f of this.timestampFields) {
      const v = out[f];
      if (typeof v !== 'number') continue;
      // The client refuses such a Timestamp with a plain Error (read as transient): say it is permanent.
      if (!isFirestoreTimestampMs(v)) {
        throw new RangeError(`${f} = ${v} ms is outside Firestore's Timestamp range (0001-01-01 … 9999-12-31)`);
      }
      out[f] = Timestamp.fromMillis(v);
    }
    return out;
  }

  private fromStored(data: DocumentData): Doc {
    const out: Doc = { ...data };
    for (const [k, v] of Object.entries(out)) {
      if (v instanceof Timestamp) out[k] = v.toMillis();
    }
    return out;
  }
}
