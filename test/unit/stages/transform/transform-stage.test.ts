import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../../../shared/core/hash';
import { decodeDeadLetter, decodeKeyedMessage, type KeyedBundle } from '../../../../shared/messages';
import { definePipeline } from '../../../../shared/pipeline';
import { FakeClock, FakePublisher, FakeSink, FakeStateStore, RowsRejectedError, type Sink } from '../../../../shared/ports';
import { topologyFor } from '../../../../shared/topology';
import { FakeSideInputLoader, parseSideInput, type TransformDeps, TransformStage } from '../../../../shared/stages/transform';
import {
  bundleOf,
  CATALOGUE_CSV,
  envelopeOf,
  HMAC_KEY,
  order,
  type Order,
  ordersDefinition,
  ordersPipeline,
  ordersTopology,
  T0,
} from './fixtures';

const NOW = T0 + 60_000;
const stageDeps = new WeakMap<TransformStage, TransformDeps>();
const depsOf = (stage: TransformStage): TransformDeps => stageDeps.get(stage)!;

function setup(overrides: Partial<TransformDeps> = {}) {
  const clock = new FakeClock(NOW);
  const sink = new FakeSink();
  const publisher = new FakePublisher();
  const state = new FakeStateStore();
  const loader = new FakeSideInputLoader(new Map([['catalogue', parseSideInput(Buffer.from(CATALOGUE_CSV), 'csv')]]));
  const lines: Record<string, unknown>[] = [];
  const deps: TransformDeps = {
    pipeline: ordersPipeline,
    topology: ordersTopology,
    sink,
    publisher,
    state,
    sideInputs: loader,
    secret: (id) => {
      if (id !== 'orders-hmac') throw new Error(`unexpected secret ${id}`);
      return HMAC_KEY;
    },
    clock,
    logger: {
      log: (severity, message, fields) => lines.push({ severity, message, ...fields }),
      metric: (metric, fields) => lines.push({ metric, ...fields }),
    },
    options: { groupCommit: { maxDelayMs: 0 } },
    ...overrides,
  };
  const stage = new TransformStage(deps);
  stageDeps.set(stage, deps);
  return { stage, clock, sink, publisher, state, loader, lines };
}

const delivery = (data: Buffer, attempt = 1) => ({ data, attributes: { a: '1' }, messageId: 'msg-1', attempt });

/** Naive reference for the clean row of a valid order (written independently of the stage's code). */
function expectedRow(o: Order, env: ReturnType<typeof envelopeOf>): Record<string, unknown> {
  const catalogue: Record<string, { name: string; category: string; weight_g: number }> = {
    'SKU-1': { name: 'Kettle', category: 'kitchen', weight_g: 1200 },
    'SKU-2': { name: 'Lamp', category: 'living', weight_g: 800 },
    'SKU-3': { name: 'Pan', category: 'kitchen', weight_g: 950 },
  };
  const row: Record<string, unknown> = {
    event_id: o.order_id,
    event_time: new Date(env.eventTime).toISOString(),
    ingest_time: new Date(env.ingestTime).toISOString(),
    publish_time: new Date(env.source.publishTime).toISOString(),
    message_id: env.source.messageId,
    source_format: 'json',
    cdc_op: null,
    attributes_json: JSON.stringify(env.source.attributes),
    order_id: o.order_id,
    customer: o.customer,
    amount: o.amount,
    currency: o.currency,
    sku: o.sku,
    placed_at: o.placed_at,
    amount_eur: o.currency === 'USD' ? Math.round(o.amount * 0.9 * 100) / 100 : o.amount,
  };
  if (o.email != null) row.email = createHmac('sha256', HMAC_KEY).update(o.email).digest('hex');
  if (o.card != null) row.card = `${'*'.repeat(o.card.length - 4)}${o.card.slice(-4)}`;
  if (o.ip !== undefined) row.ip = `${o.ip.split('.').slice(0, 3).join('.')}.0`;
  if (o.qty !== undefined) row.qty = o.qty;
  if (o.channel !== undefined) row.channel = o.channel;
  if (o.meta !== undefined) row.meta = o.meta;
  if (catalogue[o.sku]) row.product = catalogue[o.sku];
  const known = new Set(Object.keys(ordersDefinition().schema.properties));
  const extra = Object.fromEntries(Object.entries(o).filter(([k]) => !known.has(k)));
  row.extra_json = Object.keys(extra).length ? JSON.stringify(extra) : null;
  return row;
}

const keyedBundles = (publisher: FakePublisher): { orderingKey: string | undefined; bundle: KeyedBundle }[] =>
  publisher.on(ordersTopology.topics.keyed.name).map((m) => ({ orderingKey: m.orderingKey, bundle: decodeKeyedMessage(m.data) as KeyedBundle }));

const deadLetters = (publisher: FakePublisher) => publisher.on(ordersTopology.topics.deadLetter.name).map((m) => decodeDeadLetter(m.data));

describe('TransformStage', () => {
  it('writes clean rows equal to an independently computed reference (PII, enrichment, transform)', async () => {
    const { stage, sink } = setup();
    const orders = [1, 2, 3].map((i) => order(i)); // SKU-2, SKU-3, SKU-4 (no catalogue row for SKU-4)
    const envs = orders.map((o) => envelopeOf(o as unknown as Record<string, unknown>));
    const out = await stage.handle(delivery(bundleOf(envs)));
    // SKU-4 has no product, so the customer_category key is missing: that record is dead-lettered.
    expect(out.deadLettered).toEqual([{ eventId: 'o-3', reason: 'missing_key' }]);
    const rows = sink.rows('events');
    expect(rows).toEqual([expectedRow(orders[0]!, envs[0]!), expectedRow(orders[1]!, envs[1]!)]);
    expect(rows.every((r) => !('ssn' in r))).toBe(true);
    expect(sink.tables.get('events')!.map((r) => r.insertId)).toEqual(['o-1', 'o-2']);
  });

  it('publishes keyed bundles per (aggregation, partition) with the right keys, partitions and values', async () => {
    const { stage, publisher } = setup();
    const orders = Array.from({ length: 40 }, (_, i) => order(i, { sku: `SKU-${1 + (i % 3)}` }));
    await stage.handle(delivery(bundleOf(orders.map((o) => envelopeOf(o as unknown as Record<string, unknown>)))));
    // Reference: group by (aggregation, fnv1a32(key) % P) in input order.
    const expected = new Map<string, { key: string; eventId: string; value: Record<string, unknown> }[]>();
    const catalogue: Record<string, string> = { 'SKU-1': 'kitchen', 'SKU-2': 'living', 'SKU-3': 'kitchen' };
    for (const o of orders) {
      const eur = o.currency === 'USD' ? Math.round(o.amount * 0.9 * 100) / 100 : o.amount;
      const k1 = o.sku;
      const k2 = JSON.stringify([o.customer, catalogue[o.sku]]);
      for (const [agg, key, p, value] of [
        ['sku_minute', k1, 4, { amount_eur: eur }],
        ['customer_category', k2, 3, { amount_eur: eur }],
      ] as const) {
        const ok = `${agg}/${fnv1a32(key) % p}`;
        const list = expected.get(ok) ?? [];
        list.push({ key, eventId: o.order_id, value });
        expected.set(ok, list);
      }
    }
    const got = keyedBundles(publisher);
    const actual = new Map<string, { key: string; eventId: string; value: Record<string, unknown> }[]>();
    for (const { orderingKey, bundle } of got) {
      expect(orderingKey).toBe(`${bundle.aggregation}/${bundle.partition}`);
      expect(bundle.pipeline).toBe('shop-orders');
      const list = actual.get(orderingKey!) ?? [];
      list.push(...bundle.records.map((r) => ({ key: r.key, eventId: r.eventId, value: r.value })));
      actual.set(orderingKey!, list);
    }
    expect(actual).toEqual(expected);
    // One bundle per touched partition (the whole delivery fits one bundle each).
    expect(got.length).toBe(expected.size);
  });

  it('dead-letters each failing rule with its reason and counts passes and failures per rule', async () => {
    const { stage, publisher, sink } = setup();
    const bad: [Partial<Order> & Record<string, unknown>, string][] = [
      [{ customer: undefined }, 'schema:required'],
      [{ amount: 'lots' as unknown as number }, 'schema:type'],
      [{ amount: 0 }, 'expectation:amount_range'],
      [{ amount: 10_001 }, 'expectation:amount_range'],
      [{ sku: 'sku-1' }, 'expectation:sku_format'],
      [{ currency: 'GBP' }, 'expectation:currency_known'],
      [{ customer: 'x' }, 'expectation:customer_length'],
      [{ placed_at: new Date(NOW - 2 * 86_400_000).toISOString() }, 'expectation:fresh'],
      [{ placed_at: new Date(NOW + 10 * 60_000).toISOString() }, 'expectation:fresh'],
      [{ email: { address: 'a@b.c' } as unknown as string }, 'schema:type'],
      [{ placed_at: 'yesterday' }, 'schema:format'],
    ];
    const envs = bad.map(([patch], i) => {
      const o: Record<string, unknown> = { ...order(100 + i, { sku: 'SKU-1' }), ...patch };
      for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
      return envelopeOf(o);
    });
    const good = envelopeOf(order(200, { sku: 'SKU-1', qty: 500 }) as unknown as Record<string, unknown>);
    const out = await stage.handle(delivery(bundleOf([...envs, good])));
    expect(out.deadLettered.map((d) => d.reason)).toEqual(bad.map(([, r]) => r));
    expect(deadLetters(publisher).map((d) => [d.eventId, d.reason, d.stage])).toEqual(
      bad.map(([, r], i) => [`o-${100 + i}`, r, 'transform']),
    );
    // The warn rule counted the qty of 500 but kept the record.
    expect(sink.rows('events').map((r) => r.event_id)).toEqual(['o-200']);
    const counts = stage.stats.expectations;
    const reached = 12 - 4; // every record that passed the schema (4 schema failures) reached every rule
    for (const c of Object.values(counts)) expect(c.passed + c.failed).toBe(reached);
    expect(counts.amount_range).toEqual({ passed: reached - 2, failed: 2 });
    expect(counts.fresh).toEqual({ passed: reached - 2, failed: 2 });
    expect(counts.qty_small).toEqual({ passed: reached - 1, failed: 1 });
    // The dead letter carries the envelope as its payload, with PII handled as in events.
    const dl = deadLetters(publisher)[2]!;
    const payload = JSON.parse(dl.payload) as { record: Record<string, unknown> };
    expect(payload.record.amount).toBe(0);
    expect(payload.record.email).toBe(createHmac('sha256', HMAC_KEY).update('user102@example.com').digest('hex'));
    expect(payload.record.ip).toBe('203.0.113.0');
    expect('ssn' in payload.record).toBe(false);
  });

  it('counts filtered records without dead-lettering them; a throwing user function is user_transform_error', async () => {
    const throwing = definePipeline<Order>({
      ...ordersDefinition(),
      transform: (r) => {
        if (r.customer === 'cust-boom') throw new Error('boom');
        return { ...r, amount_eur: r.amount };
      },
    });
    const { stage, sink, publisher } = setup({ pipeline: throwing, topology: topologyFor(throwing, { project: 'sluice-test', region: 'europe-west1', env: 'local' }) });
    const out = await stage.handle(
      delivery(
        bundleOf([
          envelopeOf(order(1, { channel: 'test' }) as unknown as Record<string, unknown>),
          envelopeOf(order(2, { customer: 'cust-boom' }) as unknown as Record<string, unknown>),
          envelopeOf(order(5) as unknown as Record<string, unknown>),
        ]),
      ),
    );
    expect(out.filtered).toBe(1);
    expect(out.deadLettered).toEqual([{ eventId: 'o-2', reason: 'user_transform_error' }]);
    expect(deadLetters(publisher)[0]!.message).toContain('boom');
    expect(sink.rows('events').map((r) => r.event_id)).toEqual(['o-5']);
    expect(stage.stats.filtered).toBe(1);
  });

  it('a miss under onMissing: deadLetter is enrichment_missing:<name>; a throwing filter is user_transform_error', async () => {
    const def = ordersDefinition();
    const strict = definePipeline<Order>({
      ...def,
      enrichment: def.enrichment!.map((e) => ({ ...e, onMissing: 'deadLetter' as const })),
      filter: (r) => {
        if (r.customer === 'cust-bad') throw new TypeError('cannot read x of undefined');
        return true;
      },
    });
    const { stage, publisher } = setup({ pipeline: strict, topology: topologyFor(strict, { project: 'sluice-test', region: 'europe-west1', env: 'local' }) });
    const out = await stage.handle(
      delivery(
        bundleOf([
          envelopeOf(order(1, { sku: 'SKU-9' }) as unknown as Record<string, unknown>),
          envelopeOf(order(2, { sku: 'SKU-1', customer: 'cust-bad' }) as unknown as Record<string, unknown>),
          envelopeOf(order(3, { sku: 'SKU-1' }) as unknown as Record<string, unknown>),
        ]),
      ),
    );
    expect(out.deadLettered).toEqual([
      { eventId: 'o-1', reason: 'enrichment_missing:catalogue' },
      { eventId: 'o-2', reason: 'user_transform_error' },
    ]);
    expect(deadLetters(publisher).map((d) => d.message)).toEqual([
      expect.stringContaining('has no row in side input'),
      expect.stringContaining('filter threw: cannot read x of undefined'),
    ]);
    expect(out.rows).toBe(1);
  });

  it('a transform output that breaks the output schema is a user_transform_error', async () => {
    const broken = definePipeline<Order>({ ...ordersDefinition(), transform: (r) => ({ ...r, amount_eur: 'many' as unknown as number }) });
    const { stage } = setup({ pipeline: broken, topology: topologyFor(broken, { project: 'sluice-test', region: 'europe-west1', env: 'local' }) });
    const out = await stage.handle(delivery(bundleOf([envelopeOf(order(1) as unknown as Record<string, unknown>)])));
    expect(out.deadLettered).toEqual([{ eventId: 'o-1', reason: 'user_transform_error' }]);
  });

  it('coerces CSV cells to the schema types and keeps unknown fields in extra_json', async () => {
    const { stage, sink } = setup();
    const csvRecord = { ...order(1), amount: '12.5', qty: '3' } as unknown as Record<string, unknown>;
    const env = envelopeOf(csvRecord, { source: { messageId: 'm', publishTime: T0, attributes: {}, format: 'csv' } });
    const withExtra = envelopeOf({ ...order(2), coupon: 'SPRING', meta: { source: 'app', build: 7 } } as unknown as Record<string, unknown>);
    await stage.handle(delivery(bundleOf([env, withExtra])));
    const [r1, r2] = sink.rows('events');
    expect([r1!.amount, r1!.qty]).toEqual([12.5, 3]);
    expect(JSON.parse(r2!.extra_json as string)).toEqual({ coupon: 'SPRING', 'meta.build': 7 });
    expect(r2!.meta).toEqual({ source: 'app' });
  });

  it('records schema drift once per change (not per event), in Firestore and schema_drift', async () => {
    const { stage, sink, state } = setup();
    const mk = (i: number, patch: Record<string, unknown>) => envelopeOf({ ...order(i, { sku: 'SKU-1' }), ...patch } as unknown as Record<string, unknown>);
    const first = await stage.handle(delivery(bundleOf([mk(1, { coupon: 'A' }), mk(2, { coupon: 'B' }), mk(3, { amount: '12.5' })])));
    expect(first.driftRecorded.map((c) => [c.field, c.change, c.observedType, c.sampleEventId])).toEqual([
      ['coupon', 'added', 'string', 'o-1'],
      ['amount', 'retyped', 'string', 'o-3'],
    ]);
    const second = await stage.handle(delivery(bundleOf([mk(4, { coupon: 'C' }), mk(5, { coupon: 'E', amount: '1.5' })])));
    expect(second.driftRecorded).toEqual([]);
    // A record without the added field: that field is now missing (once).
    const third = await stage.handle(delivery(bundleOf([mk(6, {}), mk(7, {})])));
    expect(third.driftRecorded.map((c) => [c.field, c.change])).toEqual([['coupon', 'missing']]);
    expect(sink.rows('schema_drift').map((r) => [r.field, r.change, r.schema_version, r.action])).toEqual([
      ['coupon', 'added', 2, 'kept'],
      ['amount', 'retyped', 2, 'kept'],
      ['coupon', 'missing', 3, 'kept'],
    ]);
    const [doc] = await state.getAll(['pipelines/shop-orders/schema/latest']);
    expect(doc!.version).toBe(3);
    expect(doc!.pending).toEqual([]);
    // A second instance (fresh cache) seeing the same shapes records nothing new.
    const other = new TransformStage({ ...setupDepsFrom(stage), state, sink });
    const again = await other.handle(delivery(bundleOf([mk(8, { coupon: 'D' }), mk(9, { amount: '2.5' })])));
    expect(again.driftRecorded).toEqual([]);
    expect(sink.rows('schema_drift')).toHaveLength(3);
  });

  it('dead-letters drift under a deadLetter policy, still recording the change once', async () => {
    const strict = definePipeline<Order>({ ...ordersDefinition(), schemaDrift: { unknownFields: 'deadLetter', typeChanges: 'deadLetter' } });
    const { stage, sink } = setup({ pipeline: strict, topology: topologyFor(strict, { project: 'sluice-test', region: 'europe-west1', env: 'local' }) });
    const out = await stage.handle(
      delivery(
        bundleOf([
          envelopeOf({ ...order(1, { sku: 'SKU-1' }), coupon: 'A' } as unknown as Record<string, unknown>),
          envelopeOf({ ...order(2, { sku: 'SKU-1' }), amount: '3.5' } as unknown as Record<string, unknown>),
          envelopeOf({ ...order(3, { sku: 'SKU-1' }), coupon: 'B' } as unknown as Record<string, unknown>),
        ]),
      ),
    );
    expect(out.deadLettered.map((d) => d.reason)).toEqual(['schema_drift:unknown_field', 'schema_drift:retyped', 'schema_drift:unknown_field']);
    expect(sink.rows('schema_drift').map((r) => [r.field, r.action])).toEqual([
      ['coupon', 'dead_lettered'],
      ['amount', 'dead_lettered'],
    ]);
  });

  it('isolates hostile records: no crash, no prototype pollution, clear reasons', async () => {
    const { stage, sink, publisher } = setup();
    const good = JSON.stringify(envelopeOf(order(1, { sku: 'SKU-1' }) as unknown as Record<string, unknown>));
    const withRecord = (recordJson: string, id: string) => good.replace(/"record":\{.*?\},"ingestTime"/, `"record":${recordJson},"ingestTime"`).replace('"eventId":"o-1"', `"eventId":"${id}"`);
    const base = JSON.stringify(order(9, { sku: 'SKU-1' })).slice(0, -1);
    const deep = `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`;
    const envelopes = [
      withRecord(`${base},"__proto__":{"polluted":true}}`, 'h-proto'),
      withRecord(`${base},"meta":{"source":"x","constructor":{"prototype":{"polluted":true}}}}`, 'h-ctor'),
      withRecord(`${base},"deep":${deep}}`, 'h-deep'),
      withRecord(`${base},"big":"${'x'.repeat(300 * 1024)}"}`, 'h-big'),
      withRecord(`${base},"customer":"\\ud800abc"}`, 'h-surrogate'),
      good,
    ];
    const text = `{"v":1,"pipeline":"shop-orders","envelopes":[${envelopes.join(',')}]}`;
    const out = await stage.handle(delivery(Buffer.from(text, 'utf8')));
    expect(out.deadLettered).toEqual([
      { eventId: 'h-proto', reason: 'hostile_key' },
      { eventId: 'h-ctor', reason: 'hostile_key' },
      { eventId: 'h-deep', reason: 'too_deep' },
      { eventId: 'h-big', reason: 'string_too_long' },
      { eventId: 'h-surrogate', reason: 'invalid_unicode' },
    ]);
    expect(sink.rows('events').map((r) => r.event_id)).toEqual(['o-1']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(deadLetters(publisher)).toHaveLength(5);
    // The surrogate record passed the guards: its dead letter has PII handled as in events.
    const surrogate = JSON.parse(deadLetters(publisher)[4]!.payload) as { record: Record<string, unknown> };
    expect(surrogate.record.email).toBe(createHmac('sha256', HMAC_KEY).update(String(order(9).email)).digest('hex'));
    expect(surrogate.record.customer).toBe('\ud800abc');
    expect('ssn' in surrogate.record).toBe(false);

    // Invalid UTF-8 bytes, garbage and a wrong pipeline dead-letter the whole delivery.
    const cases: [Buffer, string][] = [
      [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_utf8'],
      [Buffer.from('not json'), 'invalid_json'],
      [Buffer.from('{"v":9,"pipeline":"shop-orders","envelopes":[]}'), 'unsupported_version'],
      [bundleOf([envelopeOf(order(3) as unknown as Record<string, unknown>)], 'other-pipe'), 'wrong_pipeline'],
      [Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 'too_deep'],
    ];
    for (const [data, reason] of cases) {
      const r = await stage.handle(delivery(data));
      expect(r.deadLettered.map((d) => d.reason)).toEqual([reason]);
    }
    // The pipeline declares PII: a whole delivery cannot be redacted field by field, so its raw
    // text is withheld (the misrouted bundle held order 3's email in the clear).
    const whole = deadLetters(publisher).slice(-cases.length);
    expect(whole.map((d) => d.payload)).toEqual(cases.map(() => ''));
    for (const d of whole) expect(d.message).toMatch(/raw text withheld: the pipeline declares PII fields/);
    expect(JSON.stringify(whole)).not.toContain(String(order(3).email));
  });

  it('acks nothing before rows and bundles are durable: a failed publish rejects every delivery of the group', async () => {
    const { stage, publisher, sink, clock } = setup({ options: { groupCommit: { maxDelayMs: 100 } } });
    publisher.failNext(Object.assign(new Error('unavailable'), { code: 14 }));
    const a = stage.handle(delivery(bundleOf([envelopeOf(order(1, { sku: 'SKU-1' }) as unknown as Record<string, unknown>)])));
    const b = stage.handle(delivery(bundleOf([envelopeOf(order(2, { sku: 'SKU-1' }) as unknown as Record<string, unknown>)])));
    // Both deliveries the local push can have in flight joined the group: it flushes without
    // waiting for the interval (the clock never moves here).
    const results = await Promise.allSettled([a, b]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // Both deliveries were in one group: one insert for both.
    expect(sink.tables.get('events')).toHaveLength(2);
    expect(stage.stats.flushes).toBe(1);
    clock.advance(100); // the first caller's timer, now stale, expires (flushing nothing)
    expect(stage.stats.flushes).toBe(1);
    // A sink failure likewise rejects (nothing acked) and the redelivery succeeds.
    sink.failNext(Object.assign(new Error('backend'), { code: 503 }));
    const c = stage.handle(delivery(bundleOf([envelopeOf(order(3, { sku: 'SKU-1' }) as unknown as Record<string, unknown>)])));
    await untilWaiting(clock);
    clock.advance(100);
    await expect(c).rejects.toThrow('backend');
    const d = stage.handle(delivery(bundleOf([envelopeOf(order(3, { sku: 'SKU-1' }) as unknown as Record<string, unknown>)]), 2));
    await untilWaiting(clock);
    clock.advance(100);
    await expect(d).resolves.toMatchObject({ rows: 1 });
  });

  it('rows the table refuses are dead-lettered (rows_rejected) and their keyed records are not published', async () => {
    const { stage, sink, publisher } = setup();
    sink.failNext(new RowsRejectedError('events', [{ index: 1, reason: 'invalid: no such field' }]));
    const out = await stage.handle(
      delivery(bundleOf([1, 2, 3].map((i) => envelopeOf(order(i, { sku: 'SKU-1' }) as unknown as Record<string, unknown>)))),
    );
    expect(out.rows).toBe(3);
    const keyedIds = keyedBundles(publisher).flatMap((b) => b.bundle.records.map((r) => r.eventId));
    expect([...new Set(keyedIds)].sort()).toEqual(['o-1', 'o-3']);
    expect(deadLetters(publisher).map((d) => [d.eventId, d.reason])).toEqual([['o-2', 'rows_rejected']]);
    expect(stage.stats.deadLetterReasons).toEqual({ rows_rejected: 1 });
  });

  it('inserts in chunks of insertMaxRows, mapping a refused row of a later chunk back to its record', async () => {
    const sink = new FakeSink();
    const calls: string[][] = [];
    const chunked: Sink = {
      insert: async (table, rows) => {
        calls.push(rows.map((r) => r.insertId!));
        // Like BigQuerySink: the acceptable rows are inserted, then the refused ones are reported.
        await sink.insert(table, rows.filter((r) => r.insertId !== 'o-4'));
        const bad = rows.findIndex((r) => r.insertId === 'o-4');
        if (bad >= 0) throw new RowsRejectedError(table, [{ index: bad, reason: 'bad' }]);
      },
    };
    const { stage, publisher } = setup({ sink: chunked, options: { groupCommit: { maxDelayMs: 0 }, insertMaxRows: 2 } });
    await stage.handle(delivery(bundleOf([1, 2, 3, 4, 5].map((i) => envelopeOf(order(i, { sku: 'SKU-1' }) as unknown as Record<string, unknown>)))));
    expect(calls.sort()).toEqual([['o-1', 'o-2'], ['o-3', 'o-4'], ['o-5']]);
    expect(sink.rows('events').map((r) => r.event_id).sort()).toEqual(['o-1', 'o-2', 'o-3', 'o-5']);
    expect(deadLetters(publisher).map((d) => [d.eventId, d.reason])).toEqual([['o-4', 'rows_rejected']]);
  });

  it('keeps flush order per partition even when an earlier flush inserts more slowly', async () => {
    const { stage, publisher } = setup();
    const slow = new FakeSink();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    const sink: Sink = {
      insert: async (table, rows) => {
        if (calls++ === 0) await held;
        return slow.insert(table, rows);
      },
    };
    const ordered = new TransformStage({ ...depsOf(stage), sink, publisher });
    const first = ordered.handle(delivery(bundleOf([envelopeOf(order(1, { sku: 'SKU-1' }) as unknown as Record<string, unknown>)])));
    await new Promise((r) => setTimeout(r, 20));
    const second = ordered.handle(delivery(bundleOf([envelopeOf(order(2, { sku: 'SKU-1', customer: 'cust-1' }) as unknown as Record<string, unknown>)])));
    await new Promise((r) => setTimeout(r, 20));
    // The second flush's rows are in, but its bundle for the shared partition waits for the first.
    expect(slow.rows('events').map((r) => r.event_id)).toEqual(['o-2']);
    expect(keyedBundles(publisher).filter((b) => b.bundle.aggregation === 'sku_minute')).toEqual([]);
    release();
    await Promise.all([first, second]);
    const skuBundles = keyedBundles(publisher).filter((b) => b.bundle.aggregation === 'sku_minute');
    expect(skuBundles.map((b) => b.bundle.records.map((r) => r.eventId))).toEqual([['o-1'], ['o-2']]);
  });

  it('a side input that cannot be loaded at first is transient: the delivery is redelivered', async () => {
    const { stage, loader } = setup();
    loader.failNext(new Error('bucket unavailable'));
    await expect(stage.handle(delivery(bundleOf([envelopeOf(order(1) as unknown as Record<string, unknown>)])))).rejects.toThrow(/side input 'catalogue'/);
    await expect(stage.handle(delivery(bundleOf([envelopeOf(order(1) as unknown as Record<string, unknown>)])))).resolves.toMatchObject({ rows: 1 });
  });

  it('emits a dead_letter metric line per dead-lettered record', async () => {
    const { stage, lines } = setup();
    await stage.handle(delivery(bundleOf([envelopeOf({ ...order(1), sku: 'bad' } as unknown as Record<string, unknown>)])));
    expect(lines.filter((l) => l.metric === 'dead_letter')).toEqual([{ metric: 'dead_letter', reason: 'expectation:sku_format', eventId: 'o-1' }]);
  });
});

/** Resolves once something sleeps on the fake clock (a delivery joined a group and waits for its interval). */
async function untilWaiting(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 1000 && clock.pendingSleeps === 0; i++) await new Promise((r) => setImmediate(r));
  if (clock.pendingSleeps === 0) throw new Error('no delivery reached group commit');
}

/** Deps of another instance of the same pipeline (fresh caches). */
function setupDepsFrom(_stage: TransformStage): TransformDeps {
  const clock = new FakeClock(NOW);
  return {
    pipeline: ordersPipeline,
    topology: ordersTopology,
    sink: new FakeSink(),
    publisher: new FakePublisher(),
    state: new FakeStateStore(),
    sideInputs: new FakeSideInputLoader(new Map([['catalogue', parseSideInput(Buffer.from(CATALOGUE_CSV), 'csv')]])),
    secret: () => HMAC_KEY,
    clock,
    logger: { log: () => undefined, metric: () => undefined },
    options: { groupCommit: { maxDelayMs: 0 } },
  };
}
