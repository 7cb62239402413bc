/**
 * Firestore's documented limits that sluice's writes can meet, and the storage size they are
 * measured in. Limits: https://cloud.google.com/firestore/quotas. Sizes:
 * https://cloud.google.com/firestore/docs/storage-size.
 *
 * Not here on purpose: a maximum number of writes per commit or transaction. Firestore removed the
 * 500-write limit on 2023-03-29 (https://cloud.google.com/firestore/docs/release-notes#March_29_2023:
 * "Limits for request size and the transaction time limit still apply").
 */

/** "Maximum size for a document: 1 MiB (1,048,576 bytes)" — https://cloud.google.com/firestore/quotas */
export const FIRESTORE_MAX_DOCUMENT_BYTES = 1_048_576;

/** "Maximum API request size: 10 MiB" (a commit: every write of a transaction) — https://cloud.google.com/firestore/quotas */
export const FIRESTORE_MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/**
 * First and last instants a Firestore Timestamp holds, in epoch ms: "Range is from
 * 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z" —
 * https://cloud.google.com/nodejs/docs/reference/firestore/latest/firestore/timestamp
 */
export const FIRESTORE_MIN_TIMESTAMP_MS = -62_135_596_800_000;
export const FIRESTORE_MAX_TIMESTAMP_MS = 253_402_300_799_999;

/** Whether epoch ms `ms` can be stored as a Firestore Timestamp. */
export function isFirestoreTimestampMs(ms: number): boolean {
  return Number.isFinite(ms) && ms >= FIRESTORE_MIN_TIMESTAMP_MS && ms <= FIRESTORE_MAX_TIMESTAMP_MS;
}

/** "String sizes are calculated as the number of UTF-8 encoded bytes + 1." */
export function firestoreStringSize(s: string): number {
  return Buffer.byteLength(s, 'utf8') + 1;
}

/**
 * Size of a document name (`collection/id[/collection/id…]`): the string size of each collection
 * ID and (string) document ID in the path, plus 16 bytes. `users/jeff/tasks/my_task_id` is 44.
 */
export function firestoreDocumentNameSize(path: string): number {
  return path.split('/').reduce((n, segment) => n + firestoreStringSize(segment), 16);
}

/**
 * Size of a field value by Google's table: string UTF-8 bytes + 1; number (integer or double),
 * bigint, Date and Timestamp (anything with `toMillis`) 8; boolean and null 1; bytes (Uint8Array,
 * Buffer) their length; array the sum of its values; map the sum of its fields (each the string size
 * of its name plus its value's size). `undefined` is no value: the field is not stored (0).
 */
export function firestoreValueSize(value: unknown): number {
  if (value === null) return 1;
  switch (typeof value) {
    case 'string':
      return firestoreStringSize(value);
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
      return 1;
    case 'undefined':
      return 0;
    case 'object':
      if (value instanceof Date || typeof (value as { toMillis?: unknown }).toMillis === 'function') return 8;
      if (value instanceof Uint8Array) return value.byteLength;
      if (Array.isArray(value)) return value.reduce((n: number, v) => n + firestoreValueSize(v), 0);
      return firestoreFieldsSize(value as Record<string, unknown>);
    default:
      throw new TypeError(`a ${typeof value} cannot be stored in Firestore`);
  }
}

/** Sum over the fields of a map or document of the field name's string size plus the value's size. */
export function firestoreFieldsSize(fields: Record<string, unknown>): number {
  let n = 0;
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) n += firestoreStringSize(name) + firestoreValueSize(value);
  }
  return n;
}

/**
 * A document's storage size, the size its 1 MiB limit is measured in: the document name size, the
 * string size of each field name, the size of each field value, and 32 additional bytes.
 */
export function firestoreDocumentSize(path: string, data: Record<string, unknown>): number {
  return firestoreDocumentNameSize(path) + firestoreFieldsSize(data) + 32;
}

/** One write of a commit: a set (`data`) or a delete (`data: null`). */
export interface FirestoreWrite {
  path: string;
  data: Record<string, unknown> | null;
}

/**
 * What a commit weighs against the request limit: each set's document size, each delete's document
 * name size. The request's wire encoding differs from the storage size by a few bytes per field;
 * the storage size is the measure Google documents, so it stands in for both.
 */
export function firestoreCommitSize(writes: readonly FirestoreWrite[]): number {
  return writes.reduce((n, w) => n + (w.data === null ? firestoreDocumentNameSize(w.path) : firestoreDocumentSize(w.path, w.data)), 0);
}
