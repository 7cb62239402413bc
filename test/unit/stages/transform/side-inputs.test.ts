import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../../shared/core/errors';
import { FakeClock, FakeObjectStore } from '../../../../shared/ports';
import {
  CloudSideInputLoader,
  Enricher,
  FakeSideInputLoader,
  parseSideInput,
  type QueryRunner,
  SideInputCache,
  type SideRows,
} from '../../../../shared/stages/transform';
import { CATALOGUE_CSV, ordersPipeline } from './fixtures';

const SRC = { kind: 'gcs', uri: 'gs://b/o.json', format: 'json' } as const;
const flush = () => new Promise((r) => setImmediate(r));

function cacheWith(rows: SideRows, ttlMs = 1000) {
  const clock = new FakeClock(0);
  const loader = new FakeSideInputLoader(new Map([['ref', rows]]));
  const errors: string[] = [];
  const cache = new SideInputCache({
    loader,
    clock,
    ttlMs: new Map([['ref', ttlMs]]),
    index: (_n, rs) => new Map(rs.map((r) => [String(r.id), r])),
    onRefreshError: (name, err) => errors.push(`${name}: ${(err as Error).message}`),
  });
  return { clock, loader, cache, errors };
}

describe('SideInputCache', () => {
  it('blocks on the first load only, and shares it between concurrent callers', async () => {
    const { loader, cache } = cacheWith([{ id: 1, v: 'a' }]);
    loader.hold();
    let done = 0;
    const a = cache.get('ref', SRC).then((t) => (done++, t));
    const b = cache.get('ref', SRC).then((t) => (done++, t));
    await flush();
    expect(done).toBe(0);
    loader.release();
    const [ta, tb] = await Promise.all([a, b]);
    expect(ta).toBe(tb);
    expect(ta.rows.get('1')).toEqual({ id: 1, v: 'a' });
    expect(loader.calls).toEqual(['ref']);
  });

  it('after the TTL serves stale data at once and refreshes in the background', async () => {
    const { clock, loader, cache } = cacheWith([{ id: 1, v: 'old' }]);
    await cache.get('ref', SRC);
    loader.rows.set('ref', [{ id: 1, v: 'new' }]);
    clock.advance(999);
    expect((await cache.get('ref', SRC)).rows.get('1')!.v).toBe('old');
    expect(loader.calls).toHaveLength(1); // within the TTL: no reload
    clock.advance(1);
    loader.hold();
    // The refresh is held, yet the lookup returns immediately with the old data.
    expect((await cache.get('ref', SRC)).rows.get('1')!.v).toBe('old');
    expect((await cache.get('ref', SRC)).rows.get('1')!.v).toBe('old');
    expect(loader.calls).toHaveLength(2); // one refresh in flight, not one per lookup
    loader.release();
    await flush();
    await flush();
    expect((await cache.get('ref', SRC)).rows.get('1')!.v).toBe('new');
  });

  it('a failed refresh keeps the old data, logs, and retries only after another TTL', async () => {
    const { clock, loader, cache, errors } = cacheWith([{ id: 1, v: 'old' }]);
    await cache.get('ref', SRC);
    clock.advance(1000);
    loader.failNext(new Error('403'));
    expect((await cache.get('ref', SRC)).rows.get('1')!.v).toBe('old');
    await flush();
    await flush();
    expect(errors).toEqual(['ref: 403']);
    expect((await cache.get('ref', SRC)).rows.get('1')!.v).toBe('old');
    expect(loader.calls).toHaveLength(2);
    clock.advance(1000);
    loader.rows.set('ref', [{ id: 1, v: 'new' }]);
    await cache.get('ref', SRC);
    await flush();
    await flush();
    expect(loader.calls).toHaveLength(3);
    expect((await cache.get('ref', SRC)).rows.get('1')!.v).toBe('new');
  });

  it('a failed first load is transient and the next lookup tries again', async () => {
    const { loader, cache } = cacheWith([{ id: 1 }]);
    loader.failNext(new Error('unavailable'));
    await expect(cache.get('ref', SRC)).rejects.toBeInstanceOf(TransientError);
    await expect(cache.get('ref', SRC)).resolves.toMatchObject({});
    expect(loader.calls).toHaveLength(2);
  });
});

describe('Enricher', () => {
  const enricherWith = (csv: string) =>
    new Enricher(ordersPipeline, new FakeSideInputLoader(new Map([['catalogue', parseSideInput(Buffer.from(csv), 'csv')]])), new FakeClock(0));

  it('joins the selected fields, coerced to their declared types, under `into`', async () => {
    const e = enricherWith(CATALOGUE_CSV);
    const out = e.apply({ sku: 'SKU-3', amount: 1 }, await e.tables());
    expect(out).toEqual({ ok: true, record: { sku: 'SKU-3', amount: 1, product: { name: 'Pan', category: 'kitchen', weight_g: 950 } } });
  });

  it('leaves a field out when the side value cannot take its type; keeps the record on a miss', async () => {
    const e = enricherWith('sku,name,category,weight_g\nSKU-1,Kettle,kitchen,heavy\n');
    const tables = await e.tables();
    expect(e.apply({ sku: 'SKU-1' }, tables)).toEqual({ ok: true, record: { sku: 'SKU-1', product: { name: 'Kettle', category: 'kitchen' } } });
    expect(e.apply({ sku: 'SKU-9' }, tables)).toEqual({ ok: true, record: { sku: 'SKU-9' } });
  });
});

describe('side-input loaders', () => {
  it('parses JSON arrays, NDJSON and CSV with a header', () => {
    expect(parseSideInput(Buffer.from('[{"a":1},2,{"a":3}]'), 'json')).toEqual([{ a: 1 }, { a: 3 }]);
    expect(parseSideInput(Buffer.from('{"a":1}\n\n{"a":2}\n'), 'ndjson')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseSideInput(Buffer.from('\ufeffa,b\n1,"x,y"\n'), 'csv')).toEqual([{ a: '1', b: 'x,y' }]);
    expect(() => parseSideInput(Buffer.from('{"a":1}'), 'json')).toThrow(/array/);
  });

  it('reads GCS objects through the ObjectStore port', async () => {
    const objects = new FakeObjectStore();
    await objects.write('ref-data', 'dir/devices.ndjson', Buffer.from('{"id":"d1","site":"A"}\n'));
    const loader = new CloudSideInputLoader({ objects, maximumBytesBilled: 1e9 });
    expect(await loader.load('devices', { kind: 'gcs', uri: 'gs://ref-data/dir/devices.ndjson', format: 'ndjson' })).toEqual([{ id: 'd1', site: 'A' }]);
    await expect(loader.load('x', { kind: 'gcs', uri: 'gs://ref-data/none.json', format: 'json' })).rejects.toThrow(/no such object/);
  });

  it('runs BigQuery side inputs with maximumBytesBilled set, using the resolved query', async () => {
    const seen: unknown[] = [];
    const bigquery: QueryRunner = {
      query: async (o) => {
        seen.push(o);
        return [[{ id: 1 }, null]];
      },
    };
    const loader = new CloudSideInputLoader({
      objects: new FakeObjectStore(),
      bigquery,
      queries: new Map([['plans', 'SELECT id FROM `p.d.plans`']]),
      maximumBytesBilled: 5e8,
    });
    expect(await loader.load('plans', { kind: 'bigquery', query: 'SELECT id FROM {{plans}}' })).toEqual([{ id: 1 }]);
    expect(seen).toEqual([{ query: 'SELECT id FROM `p.d.plans`', maximumBytesBilled: '500000000', useLegacySql: false }]);
  });
});
