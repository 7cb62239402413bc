/** The real side-input loaders on the GCS and BigQuery emulators, behind the stale-while-revalidate cache. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsObjectStore } from '../../../../shared/adapters';
import { FakeClock } from '../../../../shared/ports';
import { CloudSideInputLoader, SideInputCache } from '../../../../shared/stages/transform';
import { stackClients, stackEnv } from '../../helpers';

const clients = stackClients();
const tag = `${Date.now().toString(36).slice(-6)}${process.pid.toString(36).slice(-3)}`;
const bucket = `tf-side-${tag}`;
const dataset = `tf_side_${tag}`;

beforeAll(async () => {
  const [b] = await clients.storage.createBucket(bucket);
  await b.file('plans.json').save(JSON.stringify([{ id: 'p1', price: 10 }, { id: 'p2', price: 20 }]));
  await b.file('plans.csv').save('id,price\np1,10\np2,20\n');
  await b.file('plans.ndjson').save('{"id":"p1","price":10}\n{"id":"p2","price":20}\n');
  const [ds] = await clients.bigquery.createDataset(dataset);
  await ds.createTable('plans', { schema: { fields: [{ name: 'id', type: 'STRING' }, { name: 'price', type: 'INTEGER' }] } });
  await ds.table('plans').insert([{ id: 'p1', price: 10 }, { id: 'p2', price: 20 }]);
});

afterAll(async () => {
  await clients.bigquery.dataset(dataset).delete({ force: true }).catch(() => undefined);
});

describe('CloudSideInputLoader on the emulators', () => {
  const loader = () =>
    new CloudSideInputLoader({
      objects: new GcsObjectStore(clients.storage),
      bigquery: { query: async (o) => clients.bigquery.query(o) },
      queries: new Map([['bq', `SELECT id, price FROM \`${stackEnv().SLUICE_PROJECT}.${dataset}.plans\` ORDER BY id`]]),
      maximumBytesBilled: 1e9,
    });

  it.each(['json', 'ndjson', 'csv'] as const)('reads a GCS %s object', async (format) => {
    const rows = await loader().load(format, { kind: 'gcs', uri: `gs://${bucket}/plans.${format}`, format });
    expect(rows.map((r) => [r.id, String(r.price)])).toEqual([
      ['p1', '10'],
      ['p2', '20'],
    ]);
  });

  it('runs a BigQuery side-input query (the topology-resolved text) with maximumBytesBilled', async () => {
    const rows = await loader().load('bq', { kind: 'bigquery', query: 'SELECT id, price FROM {{plans}}' });
    expect(rows).toEqual([
      { id: 'p1', price: 10 },
      { id: 'p2', price: 20 },
    ]);
  });

  it('refreshes from GCS in the background after the TTL, serving the old data meanwhile', async () => {
    const clock = new FakeClock(0);
    const cache = new SideInputCache({
      loader: loader(),
      clock,
      ttlMs: new Map([['csv', 1000]]),
      index: (_n, rows) => new Map(rows.map((r) => [String(r.id), r])),
    });
    const src = { kind: 'gcs', uri: `gs://${bucket}/plans.csv`, format: 'csv' } as const;
    expect((await cache.get('csv', src)).rows.get('p1')).toEqual({ id: 'p1', price: '10' });
    await clients.storage.bucket(bucket).file('plans.csv').save('id,price\np1,11\n');
    clock.advance(1000);
    expect((await cache.get('csv', src)).rows.get('p1')!.price).toBe('10');
    for (let i = 0; i < 200 && (await cache.get('csv', src)).rows.get('p1')!.price === '10'; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await cache.get('csv', src)).rows.get('p1')!.price).toBe('11');
  });
});
