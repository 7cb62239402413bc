import { describe, expect, it } from 'vitest';
import { ContentionError, CountingStateStore, FakeStateStore } from '../../../shared/ports';

describe('FakeStateStore', () => {
  it('commits all writes of a transaction atomically and returns copies', async () => {
    const store = new FakeStateStore();
    const doc = { n: 1, nested: { a: [1, 2] } };
    await store.transaction(async (tx) => {
      await tx.getAll(['c/a']);
      tx.set('c/a', doc);
      tx.set('c/b', { n: 2 });
    });
    doc.nested.a.push(3); // mutating the caller's object must not reach the store
    const [a, b, missing] = await store.getAll(['c/a', 'c/b', 'c/zz']);
    expect(a).toEqual({ n: 1, nested: { a: [1, 2] } });
    expect(b).toEqual({ n: 2 });
    expect(missing).toBeUndefined();
  });

  it('writes nothing when the commit fails', async () => {
    const store = new FakeStateStore();
    store.failNextCommit(new Error('injected'));
    await expect(store.transaction(async (tx) => tx.set('c/a', { n: 1 }))).rejects.toThrow('injected');
    expect(await store.getAll(['c/a'])).toEqual([undefined]);
    expect(store.size).toBe(0);
  });

  it('rejects a read after a write, as Firestore does', async () => {
    const store = new FakeStateStore();
    await expect(
      store.transaction(async (tx) => {
        tx.set('c/a', { n: 1 });
        await tx.getAll(['c/a']);
      }),
    ).rejects.toThrow(/all reads before any write/);
  });

  it('retries a transaction whose read document changed, so concurrent increments are not lost', async () => {
    const store = new FakeStateStore(50);
    const increment = () =>
      store.transaction(async (tx) => {
        const [d] = await tx.getAll(['c/counter']);
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
        tx.set('c/counter', { n: ((d?.n as number | undefined) ?? 0) + 1 });
      });
    await Promise.all(Array.from({ length: 10 }, increment));
    expect(await store.getAll(['c/counter'])).toEqual([{ n: 10 }]);
  });

  it('gives up with ContentionError after its attempts', async () => {
    const store = new FakeStateStore(2);
    await store.transaction(async (tx) => tx.set('c/x', { n: 0 }));
    let bump = 0;
    const attempt = store.transaction(async (tx) => {
      await tx.getAll(['c/x']);
      // another writer commits in between, every time
      await store.transaction(async (t2) => t2.set('c/x', { n: ++bump }));
      tx.set('c/x', { n: -1 });
    });
    await expect(attempt).rejects.toBeInstanceOf(ContentionError);
    expect(await store.getAll(['c/x'])).toEqual([{ n: 2 }]);
  });

  it('lists one collection level, with an optional projection', async () => {
    const store = new FakeStateStore();
    await store.transaction(async (tx) => {
      tx.set('p/1', { wm: 5, big: 'x' });
      tx.set('p/2', { wm: 7, big: 'y' });
      tx.set('p/2/sub/1', { wm: 0 });
      tx.set('q/1', { wm: 9 });
    });
    expect(await store.list('p', ['wm'])).toEqual([
      { path: 'p/1', data: { wm: 5 } },
      { path: 'p/2', data: { wm: 7 } },
    ]);
  });
});

describe('CountingStateStore', () => {
  it('counts reads per document, writes and deletes, and transactions', async () => {
    const store = new CountingStateStore(new FakeStateStore());
    await store.transaction(async (tx) => {
      await tx.getAll(['c/a', 'c/b']);
      tx.set('c/a', { n: 1 });
      tx.delete('c/b');
    });
    await store.getAll(['c/a']);
    await store.list('c');
    expect(store.ops).toEqual({ reads: 4, writes: 1, deletes: 1, transactions: 1 });
  });
});
