import { Timestamp } from '@google-cloud/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { startTtlSweeper, sweepExpired } from '../../emulators/ttl-sweeper';
import { getPipeline } from '../../pipelines';
import { topologyFor } from '../../shared/topology';
import { freshPrefix, stackClients, stackEnv, waitFor } from './helpers';

const clients = stackClients();
afterAll(() => clients.firestore.terminate());

const topology = topologyFor(getPipeline('iot-sensors'), { project: stackEnv().SLUICE_PROJECT, region: 'europe-west1', env: 'local', prefix: freshPrefix('ttl') });
const { partitions, ledger, files, schemaRegistry } = topology.firestore.collections;
const exists = async (path: string): Promise<boolean> => (await clients.firestore.doc(path).get()).exists;

describe('the TTL sweeper (Firestore TTL, which the emulator lacks)', () => {
  it('deletes documents of TTL collection groups whose field is a past Timestamp, and only those', async () => {
    const now = Date.now();
    const past = Timestamp.fromMillis(now - 60_000);
    const docs: Record<string, Record<string, unknown>> = {
      [`${partitions}/expired`]: { expireAt: past, n: 1 },
      [`${ledger}/expired`]: { expireAt: past, ids: 'a b' },
      [`${files}/expired`]: { expireAt: Timestamp.fromMillis(now - 1) },
      [`${partitions}/future`]: { expireAt: Timestamp.fromMillis(now + 3_600_000) },
      [`${partitions}/never`]: { expireAt: null },
      [`${partitions}/no-field`]: { n: 2 },
      [`${ledger}/number-not-timestamp`]: { expireAt: now - 60_000 },
      // no TTL policy on these collection groups
      [`${schemaRegistry}/expired`]: { expireAt: past },
      [`${partitions}/future/outbox/expired`]: { expireAt: past },
    };
    await Promise.all(Object.entries(docs).map(([path, data]) => clients.firestore.doc(path).set(data)));

    const swept = await sweepExpired(clients.firestore, topology, now);

    const deleted = [`${partitions}/expired`, `${ledger}/expired`, `${files}/expired`];
    const mine = swept.filter((s) => s.path.startsWith(`${topology.firestore.pipelineDocument}/`));
    expect(mine.map((s) => s.path).sort()).toEqual([...deleted].sort());
    expect(mine.find((s) => s.path === `${ledger}/expired`)).toEqual({ path: `${ledger}/expired`, collectionGroup: 'ledger', expiredAt: now - 60_000 });
    for (const path of Object.keys(docs)) expect(await exists(path), path).toBe(!deleted.includes(path));

    const again = await sweepExpired(clients.firestore, topology, now);
    expect(again.filter((s) => s.path.startsWith(`${topology.firestore.pipelineDocument}/`))).toEqual([]);
  });

  it('keeps a document whose field is later than the sweep time, and deletes it once the clock passes it', async () => {
    const now = Date.now();
    const path = `${ledger}/later`;
    await clients.firestore.doc(path).set({ expireAt: Timestamp.fromMillis(now + 1_000) });
    await sweepExpired(clients.firestore, topology, now);
    expect(await exists(path)).toBe(true);
    await sweepExpired(clients.firestore, topology, now + 1_001);
    expect(await exists(path)).toBe(false);
  });

  it('runs on an interval until stopped', async () => {
    const path = `${partitions}/interval`;
    await clients.firestore.doc(path).set({ expireAt: Timestamp.fromMillis(Date.now() - 1) });
    const seen: string[] = [];
    const sweeper = startTtlSweeper(clients.firestore, topology, { intervalMs: 50, onSweep: (s) => seen.push(...s.map((d) => d.path)) });
    await waitFor('the interval sweep', () => (seen.includes(path) ? true : undefined), 10_000);
    await sweeper.stop();
    expect(await exists(path)).toBe(false);
  });
});
