import { FirestoreCommitRules } from './rules/firestore';

/** A Firestore-like document: plain JSON. */
export type Doc = Record<string, unknown>;

/**
 * A transaction. Firestore requires every read before the first write, so reads are one
 * batched `getAll`; writes are buffered and applied atomically at commit.
 */
export interface StateTx {
  /** Read documents by path (`collection/id`); a missing document reads as `undefined`. */
  getAll(paths: string[]): Promise<(Doc | undefined)[]>;
  set(path: string, data: Doc): void;
  delete(path: string): void;
}

/**
 * Durable state (Firestore) as a port. `transaction` retries on contention itself and resolves
 * only once the commit is durable; if it rejects, none of its writes happened.
 */
export interface StateStore {
  transaction<T>(fn: (tx: StateTx) => Promise<T>): Promise<T>;
  getAll(paths: string[]): Promise<(Doc | undefined)[]>;
  /** Every document directly in `collection`; `fields` projects to a subset (a summary read). */
  list(collection: string, fields?: string[]): Promise<{ path: string; data: Doc }[]>;
}

/** Operation counts, as Firestore bills them: a read per document returned (or looked up and missing). */
export interface StateOps {
  reads: number;
  writes: number;
  deletes: number;
  transactions: number;
}

/** Wraps any StateStore and counts billed document operations; used by tests and the benchmarks. */
export class CountingStateStore implements StateStore {
  readonly ops: StateOps = { reads: 0, writes: 0, deletes: 0, transactions: 0 };

  constructor(private readonly inner: StateStore) {}

  async transaction<T>(fn: (tx: StateTx) => Promise<T>): Promise<T> {
    // Count only the attempt that committed: a retried attempt's operations are counted again,
    // as Firestore bills them, so attempts are accumulated and added on success or failure alike.
    let attempt: StateOps = { reads: 0, writes: 0, deletes: 0, transactions: 0 };
    const flush = () => {
      this.ops.reads += attempt.reads;
      this.ops.writes += attempt.writes;
      this.ops.deletes += attempt.deletes;
      attempt = { reads: 0, writes: 0, deletes: 0, transactions: 0 };
    };
    try {
      return await this.inner.transaction((tx) => {
        flush();
        return fn({
          getAll: async (paths) => {
            attempt.reads += paths.length;
            return tx.getAll(paths);
          },
          set: (path, data) => {
            attempt.writes++;
            tx.set(path, data);
          },
          delete: (path) => {
            attempt.deletes++;
            tx.delete(path);
          },
        });
      });
    } finally {
      flush();
      this.ops.transactions++;
    }
  }

  async getAll(paths: string[]): Promise<(Doc | undefined)[]> {
    this.ops.reads += paths.length;
    return this.inner.getAll(paths);
  }

  async list(collection: string, fields?: string[]): Promise<{ path: string; data: Doc }[]> {
    const docs = await this.inner.list(collection, fields);
    this.ops.reads += Math.max(1, docs.length);
    return docs;
  }
}

/** Raised by the fake when a transaction keeps losing to concurrent writers. */
export class ContentionError extends Error {
  readonly retryable = true;
  constructor(attempts: number) {
    super(`transaction aborted after ${attempts} attempts: documents kept changing underneath it`);
    this.name = 'ContentionError';
  }
}

export interface FakeStateStoreOptions {
  /** Attempts before a contended transaction gives up (default 5, as Firestore's client). */
  maxAttempts?: number;
  /** Top-level fields the real adapter stores as Timestamps: out-of-range values are refused. */
  timestampFields?: readonly string[];
}

/**
 * In-memory StateStore with Firestore's semantics that matter here: optimistic transactions that
 * retry when a document they read changed before commit, all-or-nothing commit, JSON copies in and
 * out (no shared references), and Firestore's limits (documents ≤ 1 MiB, commits ≤ 10 MiB, Timestamp
 * range) refused with Firestore's INVALID_ARGUMENT. `failNextCommit` injects a failure before the
 * commit applies.
 */
export class FakeStateStore implements StateStore {
  private readonly docs = new Map<string, { data: Doc; version: number }>();
  private commitFailures: Error[] = [];
  private readonly maxAttempts: number;
  private readonly timestampFields: readonly string[];

  /** `options` as a number: `maxAttempts`. */
  constructor(options: number | FakeStateStoreOptions = {}) {
    const o = typeof options === 'number' ? { maxAttempts: options } : options;
    this.maxAttempts = o.maxAttempts ?? 5;
    this.timestampFields = o.timestampFields ?? [];
  }

  async transaction<T>(fn: (tx: StateTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const readVersions = new Map<string, number>();
      const writes = new Map<string, Doc | null>();
      const rules = new FirestoreCommitRules(this.timestampFields);
      let wrote = false;
      const tx: StateTx = {
        getAll: async (paths) => {
          if (wrote) throw new Error('Firestore transactions require all reads before any write');
          return paths.map((p) => {
            const d = this.docs.get(p);
            readVersions.set(p, d?.version ?? 0);
            return d ? clone(d.data) : undefined;
          });
        },
        set: (path, data) => {
          const copy = clone(data);
          rules.set(path, copy);
          wrote = true;
          writes.set(path, copy);
        },
        delete: (path) => {
          rules.delete(path);
          wrote = true;
          writes.set(path, null);
        },
      };
      const result = await fn(tx);
      rules.commit();
      const failure = this.commitFailures.shift();
      if (failure) throw failure;
      const conflicted = [...readVersions].some(([p, v]) => (this.docs.get(p)?.version ?? 0) !== v);
      if (conflicted) continue;
      for (const [path, data] of writes) {
        if (data === null) this.docs.delete(path);
        else this.docs.set(path, { data, version: (this.docs.get(path)?.version ?? 0) + 1 });
      }
      return result;
    }
    throw new ContentionError(this.maxAttempts);
  }

  async getAll(paths: string[]): Promise<(Doc | undefined)[]> {
    return paths.map((p) => {
      const d = this.docs.get(p);
      return d ? clone(d.data) : undefined;
    });
  }

  async list(collection: string, fields?: string[]): Promise<{ path: string; data: Doc }[]> {
    const prefix = `${collection}/`;
    const out: { path: string; data: Doc }[] = [];
    for (const [path, d] of this.docs) {
      if (!path.startsWith(prefix) || path.slice(prefix.length).includes('/')) continue;
      const data = fields ? Object.fromEntries(fields.filter((f) => f in d.data).map((f) => [f, d.data[f]])) : d.data;
      out.push({ path, data: clone(data) });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** The next commit fails with `err` after the transaction body ran; nothing is written. */
  failNextCommit(err: Error): void {
    this.commitFailures.push(err);
  }

  /** Number of stored documents (for garbage-collection assertions). */
  get size(): number {
    return this.docs.size;
  }
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
