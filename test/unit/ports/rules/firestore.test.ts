import { describe, expect, it } from 'vitest';
import { isRetryable } from '../../../../shared/core/errors';
import { FIRESTORE_MAX_DOCUMENT_BYTES, FIRESTORE_MAX_REQUEST_BYTES, FIRESTORE_MAX_TIMESTAMP_MS, FIRESTORE_MIN_TIMESTAMP_MS, firestoreDocumentSize } from '../../../../shared/limits';
import { type Doc, EnforcingStateStore, FakeStateStore, type StateStore, type StateTx } from '../../../../shared/ports';
import { fakeAndWrapper } from './subjects';

/** A document at `path` whose Firestore size is exactly `bytes`. */
function docOfSize(path: string, bytes: number): Doc {
  const overhead = firestoreDocumentSize(path, { s: '' });
  return { s: 'x'.repeat(bytes - overhead) };
}

/** What a refusal looks like: Firestore's gRPC INVALID_ARGUMENT, which isRetryable calls permanent. */
async function expectInvalidArgument(p: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code: 3, message: expect.stringMatching(message) });
  expect(err).toBeInstanceOf(Error);
  expect(isRetryable(err)).toBe(false);
}

/** An inner store that records what reaches it and enforces nothing. */
class RecordingStore implements StateStore {
  readonly writes: string[] = [];
  async transaction<T>(fn: (tx: StateTx) => Promise<T>): Promise<T> {
    const pending: string[] = [];
    const result = await fn({ getAll: async (paths) => paths.map(() => undefined), set: (p) => pending.push(`set ${p}`), delete: (p) => pending.push(`delete ${p}`) });
    this.writes.push(...pending);
    return result;
  }
  async getAll(paths: string[]): Promise<(Doc | undefined)[]> {
    return paths.map(() => undefined);
  }
  async list(): Promise<{ path: string; data: Doc }[]> {
    return [];
  }
}

describe.each(
  fakeAndWrapper<StateStore, RecordingStore>(
    () => new FakeStateStore({ timestampFields: ['expireAt'] }),
    (inner) => new EnforcingStateStore(inner, { timestampFields: ['expireAt'] }),
    () => new RecordingStore(),
  ),
)('%s refuses what Firestore refuses', (_name, make) => {
  it('accepts a document of exactly 1 MiB and refuses one byte more, naming the document and sizes', async () => {
    const { port: store, inner: reached } = make();
    await store.transaction(async (tx) => tx.set('c/fits', docOfSize('c/fits', FIRESTORE_MAX_DOCUMENT_BYTES)));
    await expectInvalidArgument(
      store.transaction(async (tx) => tx.set('c/big', docOfSize('c/big', FIRESTORE_MAX_DOCUMENT_BYTES + 1))),
      /^3 INVALID_ARGUMENT: Document "c\/big" cannot be written because its size \(1,048,577 bytes\) exceeds the maximum allowed size of 1,048,576 bytes\.$/,
    );
    if (reached) expect(reached.writes).toEqual(['set c/fits']);
  });

  it('accepts a commit of exactly 10 MiB and refuses one byte more', async () => {
    const { port: store, inner: reached } = make();
    const commit = (extra: number) =>
      store.transaction(async (tx) => {
        const per = 1_000_000;
        for (let i = 0; i < 10; i++) tx.set(`c/d${i}`, docOfSize(`c/d${i}`, per));
        tx.set('c/last', docOfSize('c/last', FIRESTORE_MAX_REQUEST_BYTES - 10 * per + extra));
      });
    await commit(0);
    await expectInvalidArgument(commit(1), /Request payload size exceeds the limit: 10485760 bytes/);
    if (reached) expect(reached.writes).toHaveLength(11);
  });

  it('counts deletes by their document name', async () => {
    const { port: store } = make();
    await expectInvalidArgument(
      store.transaction(async (tx) => {
        for (let i = 0; i < 10; i++) tx.set(`c/d${i}`, docOfSize(`c/d${i}`, 1_048_000));
        for (let i = 0; i < 400; i++) tx.delete(`c/gone-${i}`);
      }),
      /Request payload size exceeds/,
    );
  });

  it.each([
    [FIRESTORE_MIN_TIMESTAMP_MS, true],
    [FIRESTORE_MAX_TIMESTAMP_MS, true],
    [null, true],
    [FIRESTORE_MIN_TIMESTAMP_MS - 1, false],
    [FIRESTORE_MAX_TIMESTAMP_MS + 1, false],
    [Number.MAX_SAFE_INTEGER, false],
  ])('a Timestamp field of %s ms is stored: %s', async (expireAt, ok) => {
    const { port: store } = make();
    const write = store.transaction(async (tx) => tx.set('c/ttl', { expireAt }));
    if (ok) await write;
    else await expectInvalidArgument(write, /field "expireAt" .* is outside the Timestamp range/);
  });

  it('leaves numbers in other fields alone', async () => {
    const { port: store } = make();
    await store.transaction(async (tx) => tx.set('c/n', { watermark: -8_640_000_000_000_000 }));
  });
});

describe('FakeStateStore after a refusal', () => {
  it('has written nothing of the refused transaction', async () => {
    const store = new FakeStateStore();
    await expect(
      store.transaction(async (tx) => {
        tx.set('c/small', { n: 1 });
        tx.set('c/big', docOfSize('c/big', FIRESTORE_MAX_DOCUMENT_BYTES + 1));
      }),
    ).rejects.toMatchObject({ code: 3 });
    expect(store.size).toBe(0);
  });
});
