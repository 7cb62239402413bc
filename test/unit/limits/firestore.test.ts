import { describe, expect, it } from 'vitest';
import { FIRESTORE_MAX_DOCUMENT_BYTES, FIRESTORE_MAX_TIMESTAMP_MS, FIRESTORE_MIN_TIMESTAMP_MS, isFirestoreTimestampMs } from '../../../shared/limits';
import { firestoreCommitSize, firestoreDocumentNameSize, firestoreDocumentSize, firestoreFieldsSize, firestoreStringSize, firestoreValueSize } from '../../../shared/limits';

// The worked examples of https://cloud.google.com/firestore/docs/storage-size.
describe('Firestore storage sizes, as Google works them out', () => {
  it.each([
    ['tasks', 6],
    ['description', 12],
    ['Task', 5],
    ['my_task_id', 11],
  ])('string %j is %i bytes (UTF-8 bytes + 1)', (s, size) => {
    expect(firestoreStringSize(s)).toBe(size);
  });

  it.each([
    ['users/jeff/tasks/my_task_id', 44],
    ['Task/my_task_id', 32],
  ])('document name %s is %i bytes (each collection and document ID + 16)', (path, size) => {
    expect(firestoreDocumentNameSize(path)).toBe(size);
  });

  it.each([
    [{ done: false }, 6],
    [{ type: 'Personal' }, 14],
    [{ priority: 1 }, 17],
    [{ description: 'Learn Cloud Firestore' }, 34],
  ])('field %o is %i bytes (name + value)', (field, size) => {
    expect(firestoreFieldsSize(field)).toBe(size);
  });

  it('the task document in users/jeff/tasks/my_task_id is 44 + 71 + 32 = 147 bytes', () => {
    const task = { type: 'Personal', done: false, priority: 1, description: 'Learn Cloud Firestore' };
    expect(firestoreFieldsSize(task)).toBe(71);
    expect(firestoreDocumentSize('users/jeff/tasks/my_task_id', task)).toBe(147);
  });
});

describe('firestoreValueSize', () => {
  it.each<[string, unknown, number]>([
    ['a string: UTF-8 bytes + 1', 'héllo', 7],
    ['an empty string', '', 1],
    ['an integer', 42, 8],
    ['a double', 0.5, 8],
    ['a boolean', true, 1],
    ['null', null, 1],
    ['a Date (timestamp)', new Date(0), 8],
    ['a Timestamp (anything with toMillis)', { seconds: 1, nanoseconds: 0, toMillis: () => 1000 }, 8],
    ['bytes: their length', Buffer.from([1, 2, 3]), 3],
    ['an array: the sum of its values', ['ab', 1, null], 3 + 8 + 1],
    ['a map: its fields like a document, without name or overhead', { a: 'x', bb: true }, 2 + 2 + 3 + 1],
    ['a nested map', { m: { k: [true, false] } }, 2 + (2 + 2)],
  ])('%s', (_what, value, size) => {
    expect(firestoreValueSize(value)).toBe(size);
  });

  it('leaves out fields that are undefined (they are not stored)', () => {
    expect(firestoreFieldsSize({ a: 1, b: undefined })).toBe(2 + 8);
  });
});

describe('firestoreCommitSize', () => {
  it('adds each set document and each deleted document name', () => {
    const set = { path: 'c/a', data: { n: 1 } };
    expect(firestoreCommitSize([set, { path: 'c/b', data: null }])).toBe(firestoreDocumentSize('c/a', { n: 1 }) + firestoreDocumentNameSize('c/b'));
  });
});

describe('the Timestamp range', () => {
  it('spans 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z in whole ms', () => {
    expect(new Date(FIRESTORE_MIN_TIMESTAMP_MS).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(new Date(FIRESTORE_MAX_TIMESTAMP_MS).toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it.each([
    [FIRESTORE_MIN_TIMESTAMP_MS, true],
    [FIRESTORE_MIN_TIMESTAMP_MS - 1, false],
    [FIRESTORE_MAX_TIMESTAMP_MS, true],
    [FIRESTORE_MAX_TIMESTAMP_MS + 1, false],
    [0, true],
    [Number.POSITIVE_INFINITY, false],
    [Number.NaN, false],
  ])('%d ms storable: %s', (ms, ok) => {
    expect(isFirestoreTimestampMs(ms)).toBe(ok);
  });

  it('1 MiB is 1,048,576 bytes', () => {
    expect(FIRESTORE_MAX_DOCUMENT_BYTES).toBe(1_048_576);
  });
});
