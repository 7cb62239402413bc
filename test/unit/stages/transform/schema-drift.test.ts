import { describe, expect, it } from 'vitest';
import type { RecordSchema } from '../../../../shared/pipeline';
import { CountingStateStore, FakeSink, FakeStateStore } from '../../../../shared/ports';
import {
  applyChanges,
  changeIdOf,
  diffShape,
  initialRegistryState,
  jsonTypeOf,
  type KnownField,
  type ObservedChange,
  OUTBOX_CLAIM_MS,
  SchemaRegistry,
  shapeOf,
} from '../../../../shared/stages/transform';

const schema: RecordSchema = {
  type: 'object',
  required: ['id', 'n'],
  properties: {
    id: { type: 'string' },
    n: { type: 'number' },
    note: { type: ['string', 'null'] },
    any: {},
    geo: { type: 'object', properties: { lat: { type: 'number' } } },
  },
};
const known = (): Map<string, KnownField> => new Map(initialRegistryState(schema).fields.map((f) => [f.path, f]));
const diff = (r: Record<string, unknown>, k = known()) => diffShape(shapeOf(r, k), k).map((c) => [c.field, c.change, c.previousType, c.observedType]);

describe('schema drift detection', () => {
  it('types values as JSON Schema does', () => {
    expect([1, 1.5, 'a', true, null, [], {}].map(jsonTypeOf)).toEqual(['integer', 'number', 'string', 'boolean', 'null', 'array', 'object']);
  });

  it.each<[string, Record<string, unknown>, unknown[]]>([
    ['a conforming record', { id: 'a', n: 1, note: null, any: [1], geo: { lat: 1.5 } }, []],
    ['an integer where number is declared', { id: 'a', n: 3 }, []],
    ['a new top-level field', { id: 'a', n: 1, extra: 'x' }, [['extra', 'added', null, 'string']]],
    ['a new nested field of a declared object', { id: 'a', n: 1, geo: { lat: 1, alt: 2 } }, [['geo.alt', 'added', null, 'integer']]],
    ['a retyped field', { id: 'a', n: '1.5' }, [['n', 'retyped', 'number', 'string']]],
    ['a retyped nested field', { id: 'a', n: 1, geo: { lat: 'north' } }, [['geo.lat', 'retyped', 'number', 'string']]],
    ['anything in an unconstrained field', { id: 'a', n: 1, any: { x: 1 } }, []],
  ])('%s', (_n, record, expected) => {
    expect(diff(record)).toEqual(expected);
  });

  it('an added field every record carried is "missing" when absent, once it is marked optional', () => {
    const s1 = applyChanges(initialRegistryState(schema), [{ field: 'extra', change: 'added', previousType: null, observedType: 'string' }]);
    expect(s1.state.version).toBe(2);
    const k = new Map(s1.state.fields.map((f) => [f.path, f]));
    expect(diff({ id: 'a', n: 1 }, k)).toEqual([['extra', 'missing', 'string', null]]);
    const s2 = applyChanges(s1.state, [{ field: 'extra', change: 'missing', previousType: 'string', observedType: null }]);
    expect(diff({ id: 'a', n: 1 }, new Map(s2.state.fields.map((f) => [f.path, f])))).toEqual([]);
    // Re-applying a change already reflected is a no-op (what makes concurrent recording idempotent).
    expect(applyChanges(s2.state, [{ field: 'extra', change: 'missing', previousType: 'string', observedType: null }]).applied).toEqual([]);
  });
});

const change = (field: string, sample: string): ObservedChange => ({
  field,
  change: 'added',
  previousType: null,
  observedType: 'string',
  sampleEventId: sample,
  action: 'kept',
});

describe('SchemaRegistry', () => {
  const path = 'pipelines/x/schema/latest';

  it('records a change seen by concurrent instances exactly once', async () => {
    const store = new FakeStateStore(20);
    const sink = new FakeSink();
    const instances = Array.from({ length: 6 }, () => new SchemaRegistry({ pipeline: 'x', schema, store, sink, documentPath: path }));
    const results = await Promise.all(instances.map((r, i) => r.record([change('extra', `e${i}`), change('extra', `f${i}`)], 1000)));
    expect(results.flat()).toHaveLength(1);
    expect(sink.rows('schema_drift').map((r) => [r.field, r.change, r.schema_version])).toEqual([['extra', 'added', 2]]);
    expect(sink.tables.get('schema_drift')![0]!.insertId).toBe(changeIdOf(change('extra', 'any')));
    // Every instance has adopted the registry: the field is no longer drift for any of them.
    for (const r of instances) expect(r.diff({ id: 'a', n: 1, extra: 'y' })).toEqual([]);
  });

  it('steady traffic costs no Firestore operation; a change costs two transactions', async () => {
    const store = new CountingStateStore(new FakeStateStore());
    const r = new SchemaRegistry({ pipeline: 'x', schema, store, sink: new FakeSink(), documentPath: path });
    for (let i = 0; i < 100; i++) expect(r.diff({ id: String(i), n: i })).toEqual([]);
    expect(store.ops.transactions).toBe(0);
    await r.record([change('extra', 'e1')], 0);
    expect(store.ops).toMatchObject({ transactions: 2, reads: 2, writes: 2 });
  });

  it('keeps the row in the outbox when the insert fails; after the claim expires an instance inserts it', async () => {
    const store = new FakeStateStore();
    const sink = new FakeSink();
    const a = new SchemaRegistry({ pipeline: 'x', schema, store, sink, documentPath: path });
    sink.failNext(new Error('bq down'));
    await expect(a.record([change('extra', 'e1')], 0)).rejects.toThrow('bq down');
    const [doc] = await store.getAll([path]);
    expect((doc!.pending as unknown[]).length).toBe(1);
    expect(a.outboxDue(OUTBOX_CLAIM_MS - 1)).toBe(false);
    expect(a.outboxDue(OUTBOX_CLAIM_MS)).toBe(true);
    // The delivery is redelivered at once (maybe to another instance): the change is already
    // recorded and the row is still claimed, so nothing is inserted twice.
    const b = new SchemaRegistry({ pipeline: 'x', schema, store, sink, documentPath: path });
    await b.ready(5);
    expect(b.diff({ id: 'a', n: 1, extra: 'x' })).toEqual([]);
    expect(b.outboxDue(5)).toBe(false);
    expect(await b.record([change('extra', 'e1')], 5)).toEqual([]);
    expect(sink.rows('schema_drift')).toEqual([]);
    // Once the claim expires, the next instance to look inserts and clears it.
    expect(b.outboxDue(OUTBOX_CLAIM_MS)).toBe(true);
    await b.record([], OUTBOX_CLAIM_MS);
    expect(sink.rows('schema_drift').map((r) => [r.field, r.sample_event_id])).toEqual([['extra', 'e1']]);
    const [after] = await store.getAll([path]);
    expect(after!.pending).toEqual([]);
    expect(b.outboxDue(OUTBOX_CLAIM_MS * 10)).toBe(false);
  });

  it('a cold instance loads the registry once and does not re-send known changes', async () => {
    const store = new CountingStateStore(new FakeStateStore());
    const sink = new FakeSink();
    await new SchemaRegistry({ pipeline: 'x', schema, store, sink, documentPath: path }).record([change('extra', 'e1')], 0);
    const cold = new SchemaRegistry({ pipeline: 'x', schema, store, sink, documentPath: path });
    const before = { ...store.ops };
    await cold.ready(1);
    await cold.ready(2);
    expect(store.ops.reads - before.reads).toBe(1);
    expect(cold.diff({ id: 'a', n: 1, extra: 'y' })).toEqual([]);
    expect(cold.version).toBe(2);
  });
});
