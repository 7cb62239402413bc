/**
 * Firestore's rules for one commit, as the service (and its client) enforce them and the emulator
 * does not: a document over 1 MiB, a commit over the 10 MiB request limit, a Timestamp field outside
 * 0001-01-01..9999-12-31. Used by FakeStateStore and by EnforcingStateStore around the real adapter.
 */
import {
  FIRESTORE_MAX_DOCUMENT_BYTES,
  FIRESTORE_MAX_REQUEST_BYTES,
  firestoreCommitSize,
  firestoreDocumentSize,
  type FirestoreWrite,
  isFirestoreTimestampMs,
} from '../../limits';
import type { Doc, StateStore, StateTx } from '../state-store';
import { invalidArgument } from './rejection';

const grouped = (n: number): string => n.toLocaleString('en-US');

/**
 * The writes of one commit, checked where Firestore checks them: a set as it is made (the client
 * converts Timestamp fields then; the document is measured as sent), the request's total at commit.
 * `timestampFields` are the top-level fields stored as Timestamps (epoch ms in the port's documents).
 */
export class FirestoreCommitRules {
  private readonly writes: FirestoreWrite[] = [];

  constructor(private readonly timestampFields: readonly string[] = []) {}

  /** @throws CloudRejection (INVALID_ARGUMENT) for an out-of-range Timestamp or a document over 1 MiB. */
  set(path: string, data: Doc): void {
    for (const field of this.timestampFields) {
      const ms = data[field];
      if (typeof ms === 'number' && !isFirestoreTimestampMs(ms)) {
        throw invalidArgument(
          `Document "${path}" cannot be written because field "${field}" (${ms} ms) is outside the Timestamp range 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.`,
        );
      }
    }
    const size = firestoreDocumentSize(path, data);
    if (size > FIRESTORE_MAX_DOCUMENT_BYTES) {
      throw invalidArgument(
        `Document "${path}" cannot be written because its size (${grouped(size)} bytes) exceeds the maximum allowed size of ${grouped(FIRESTORE_MAX_DOCUMENT_BYTES)} bytes.`,
      );
    }
    this.writes.push({ path, data });
  }

  delete(path: string): void {
    this.writes.push({ path, data: null });
  }

  /** @throws CloudRejection (INVALID_ARGUMENT) when the commit is over the 10 MiB request limit. */
  commit(): void {
    const size = firestoreCommitSize(this.writes);
    if (size > FIRESTORE_MAX_REQUEST_BYTES) {
      throw invalidArgument(`Request payload size exceeds the limit: ${FIRESTORE_MAX_REQUEST_BYTES} bytes. (commit of ${this.writes.length} writes, ${grouped(size)} bytes)`);
    }
  }
}

/**
 * Any StateStore behind Firestore's rules: each transaction's writes are checked before the inner
 * store sees them, so a write the cloud would refuse is refused here, with the cloud's error, even
 * on the emulator. A refusal thrown in the callback aborts the transaction without a retry.
 */
export class EnforcingStateStore implements StateStore {
  constructor(
    private readonly inner: StateStore,
    private readonly options: { timestampFields?: readonly string[] } = {},
  ) {}

  transaction<T>(fn: (tx: StateTx) => Promise<T>): Promise<T> {
    return this.inner.transaction(async (tx) => {
      const rules = new FirestoreCommitRules(this.options.timestampFields);
      const result = await fn({
        getAll: (paths) => tx.getAll(paths),
        set: (path, data) => {
          rules.set(path, data);
          tx.set(path, data);
        },
        delete: (path) => {
          rules.delete(path);
          tx.delete(path);
        },
      });
      rules.commit();
      return result;
    });
  }

  getAll(paths: string[]): Promise<(Doc | undefined)[]> {
    return this.inner.getAll(paths);
  }

  list(collection: string, fields?: string[]): Promise<{ path: string; data: Doc }[]> {
    return this.inner.list(collection, fields);
  }
}
