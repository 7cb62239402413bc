/**
 * Firestore emulator smoke test: transactions serialise concurrent read-modify-writes, and the
 * admin reset empties the database between tests.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { stackAdmin, stackClients, uniqueName } from '../helpers';

describe('Firestore emulator', () => {
  const { firestore } = stackClients();
  const admin = stackAdmin();

  beforeEach(async () => {
    await admin.resetFirestore();
  });

  afterAll(async () => {
    await firestore.terminate();
  });

  it('concurrent transactions on one document lose no increment', async () => {
    const ref = firestore.collection(uniqueName('smoke_counters', '_')).doc('c');
    await ref.set({ n: 0, history: [] });
    const writers = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(
      writers.map((w) =>
        firestore.runTransaction(async (tx) => {
          const snap = await tx.get(ref);
          const { n, history } = snap.data() as { n: number; history: string[] };
          tx.update(ref, { n: n + 1, history: [...history, w] });
        }),
      ),
    );
    const final = (await ref.get()).data() as { n: number; history: string[] };
    expect(final.n).toBe(writers.length);
    expect([...final.history].sort()).toEqual(writers);
  });

  it('a transaction that throws writes nothing', async () => {
    const col = firestore.collection(uniqueName('smoke_accounts', '_'));
    await col.doc('x').set({ balance: 10 });
    await expect(
      firestore.runTransaction(async (tx) => {
        const x = await tx.get(col.doc('x'));
        tx.set(col.doc('y'), { balance: 5 });
        tx.update(col.doc('x'), { balance: (x.data() as { balance: number }).balance - 5 });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await col.doc('x').get()).data()).toEqual({ balance: 10 });
    expect((await col.doc('y').get()).exists).toBe(false);
  });

  it('resetFirestore deletes every document', async () => {
    const col = firestore.collection(uniqueName('smoke_reset', '_'));
    await Promise.all([1, 2, 3].map((i) => col.doc(String(i)).set({ i })));
    expect((await col.get()).size).toBe(3);
    await admin.resetFirestore();
    expect((await col.get()).size).toBe(0);
  });
});
