import { afterAll, describe, expect, it } from 'vitest';
import { FirestoreStateStore } from '../../../shared/adapters/firestore-state-store';
import { CountingStateStore } from '../../../shared/ports';
import { stackClients, uniqueName } from '../helpers';

const clients = stackClients();
afterAll(() => clients.firestore.terminate());

describe('FirestoreStateStore on the Firestore emulator', () => {
  const col = uniqueName('state');
  const store = new FirestoreStateStore(clients.firestore, { timestampFields: ['expireAt'] });

  it('commits a transaction atomically and reads documents back, with TTL fields as epoch ms', async () => {
    await store.transaction(async (tx) => {
      const [a, b] = await tx.getAll([`${col}/a`, `${col}/b`]);
      expect(a).toBeUndefined();
      expect(b).toBeUndefined();
      tx.set(`${col}/a`, { n: 1, nested: { list: [1, 2, 3] }, expireAt: 1_900_000_000_123 });
      tx.set(`${col}/b`, { n: 2 });
    });
    const [a, b] = await store.getAll([`${col}/a`, `${col}/b`]);
    expect(a).toEqual({ n: 1, nested: { list: [1, 2, 3] }, expireAt: 1_900_000_000_123 });
    expect(b).toEqual({ n: 2 });
    // stored as a real Timestamp, so a TTL policy can act on it
    const raw = await clients.firestore.doc(`${col}/a`).get();
    expect(raw.get('expireAt').constructor.name).toBe('Timestamp');
  });

  it('writes nothing when the transaction body throws', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.getAll([`${col}/c`]);
        tx.set(`${col}/c`, { n: 3 });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.getAll([`${col}/c`])).toEqual([undefined]);
  });

  it('does not lose concurrent increments to one document', async () => {
    const increment = () =>
      store.transaction(async (tx) => {
        const [d] = await tx.getAll([`${col}/counter`]);
        tx.set(`${col}/counter`, { n: ((d?.n as number | undefined) ?? 0) + 1 });
      });
    await Promise.all([increment(), increment(), increment()]);
    expect(await store.getAll([`${col}/counter`])).toEqual([{ n: 3 }]);
  });

  it('deletes, lists one level with a projection, and is counted by CountingStateStore', async () => {
    const counting = new CountingStateStore(store);
    await counting.transaction(async (tx) => {
      await tx.getAll([`${col}/b`]);
      tx.delete(`${col}/b`);
    });
    const listed = await counting.list(col, ['n']);
    expect(listed.map((d) => [d.path, d.data])).toEqual([
      [`${col}/a`, { n: 1 }],
      [`${col}/counter`, { n: 3 }],
    ]);
    expect(counting.ops).toEqual({ reads: 3, writes: 0, deletes: 1, transactions: 1 });
  });
});
