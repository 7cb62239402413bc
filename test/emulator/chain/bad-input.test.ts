/**
 * A corpus of bad input mixed with good events, through the whole front chain on the emulators:
 * raw topic / landing bucket → ingest → transform → BigQuery `events`, with every bad record
 * dead-lettered by the stage that caught it (→ dead-letter topic → deadletter → BigQuery
 * `dead_letter`) under the right reason. Count in = clean rows + dead-lettered; nothing else lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChainStack, type Order, startChain, waitForCount } from './harness';

const NOW = Date.now();
const RUN = `${NOW.toString(36)}${process.pid.toString(36)}`;
const DAY_MS = 86_400_000;

let n = 0;
/** A good order with a fresh id `g-…` (good) or `b-…` (expected bad). */
function order(prefix: 'g' | 'b', patch: Record<string, unknown> = {}): Order & Record<string, unknown> {
  n += 1;
  return {
    order_id: `${prefix}-${RUN}-${n}`,
    customer_email: `buyer${n}@example.com`,
    ip: `203.0.113.${n % 250}`,
    ordered_at: new Date(NOW - 120_000 - n * 1_000).toISOString(),
    amount: 10 + n,
    quantity: 1 + (n % 3),
    status: 'paid',
    sku: `SKU-${n}`,
    country: n % 2 ? 'FR' : 'DE',
    ...patch,
  };
}
const without = (o: Record<string, unknown>, field: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== field));
const line = (x: unknown) => JSON.stringify(x);
const CSV_COLS = ['order_id', 'customer_email', 'ip', 'ordered_at', 'amount', 'quantity', 'status', 'sku', 'country'];
const csvRow = (o: Record<string, unknown>) => CSV_COLS.map((c) => String(o[c])).join(',');
const cdc = (op: string, after: unknown) => ({ op, before: null, after, ts_ms: NOW - 60_000, source: { lsn: 1000 + n } });

interface Case {
  kind: string;
  /** A raw message (with attributes), or a file landed in the landing bucket. */
  raw?: { data: string | Buffer; attributes?: Record<string, string> };
  file?: { name: string; data: string | Buffer };
  /** Dead letters expected, as `stage/reason`, in any order. */
  bad: string[];
  /** Ids of the records that must become clean rows. */
  good: string[];
}

function corpus(): Case[] {
  const g = () => order('g');
  const one = (kind: string, record: Record<string, unknown>, bad: string): Case => ({ kind, raw: { data: line(record) }, bad: [bad], good: [] });
  const cases: Case[] = [];
  const good = (kind: string, ...records: Record<string, unknown>[]): Case => ({ kind, raw: { data: records.map(line).join('\n') }, bad: [], good: records.map((r) => String(r.order_id)) });
  // Stage ingest: undecodable or unusable payloads.
  cases.push({ kind: 'invalid UTF-8', raw: { data: Buffer.from([0x7b, 0x22, 0x61, 0xff, 0xfe, 0x22, 0x7d]) }, bad: ['ingest/invalid_utf8'], good: [] });
  cases.push({ kind: 'empty payload', raw: { data: ' \n ' }, bad: ['ingest/empty_payload'], good: [] });
  cases.push({ kind: 'truncated JSON', raw: { data: '{"order_id": "t-1", "amount": ' }, bad: ['ingest/invalid_json'], good: [] });
  cases.push({ kind: 'JSON string, not an object', raw: { data: '"just a string"' }, bad: ['ingest/not_an_object'], good: [] });
  cases.push({ kind: 'too-deep nesting', raw: { data: line({ ...order('b'), x: JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`) as unknown }) }, bad: ['ingest/too_deep'], good: [] });
  cases.push({ kind: '__proto__ key', raw: { data: `{"__proto__": {"admin": true}, ${line(order('b')).slice(1)}` }, bad: ['ingest/hostile_key'], good: [] });
  cases.push(one('nested constructor.prototype key', { ...order('b'), meta: { constructor: { prototype: { polluted: 1 } } } }, 'ingest/hostile_key'));
  cases.push(one('huge string', { ...order('b'), note: 'x'.repeat(300 * 1024) }, 'ingest/string_too_long'));
  cases.push(one('too many keys', { ...order('b'), ...Object.fromEntries(Array.from({ length: 2100 }, (_, i) => [`f${i}`, i])) }, 'ingest/too_many_keys'));
  cases.push(one('oversized event', { ...order('b'), ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`blob${i}`, 'y'.repeat(20_000)])) }, 'ingest/event_too_large'));
  cases.push(one('missing event time', without(order('b'), 'ordered_at'), 'ingest/missing_event_time'));
  cases.push(one('malformed event time', order('b', { ordered_at: 'yesterday' }), 'ingest/invalid_event_time'));
  cases.push(one('impossible event time', order('b', { ordered_at: '2026-02-30T10:00:00Z' }), 'ingest/invalid_event_time'));
  cases.push(one('missing event id', without(order('b'), 'order_id'), 'ingest/missing_event_id'));
  cases.push({ kind: 'unknown declared format', raw: { data: line(order('b')), attributes: { 'sluice-format': 'xml' } }, bad: ['ingest/unsupported_format'], good: [] });
  const cg = g();
  cases.push({ kind: 'CSV row with the wrong column count', raw: { data: [CSV_COLS.join(','), csvRow(cg), `${csvRow(order('b'))},extra`].join('\n') }, bad: ['ingest/invalid_csv'], good: [cg.order_id] });
  cases.push({ kind: 'hostile CSV header', raw: { data: ['__proto__,ordered_at', `x,${new Date(NOW).toISOString()}`].join('\n') }, bad: ['ingest/hostile_key'], good: [] });
  cases.push(one('CDC create without after', cdc('c', null), 'ingest/cdc_missing_after'));
  cases.push(one('CDC with an unknown op', cdc('x', order('b')), 'ingest/cdc_invalid_op'));
  const n1 = g();
  const n2 = g();
  cases.push({ kind: 'NDJSON batch with a bad line', raw: { data: [line(n1), '{oops', line(n2)].join('\n') }, bad: ['ingest/invalid_json'], good: [n1.order_id, n2.order_id] });
  const a1 = g();
  cases.push({ kind: 'JSON array with a non-object element', raw: { data: line([a1, 42]) }, bad: ['ingest/not_an_object'], good: [a1.order_id] });
  // Stage transform: decodable records that break the schema, the expectations or the keys.
  cases.push(one('schema type error', order('b', { amount: 'lots' }), 'transform/schema:type'));
  cases.push(one('integer expected', order('b', { quantity: 1.5 }), 'transform/schema:type'));
  cases.push(one('missing required field', without(order('b'), 'sku'), 'transform/schema:required'));
  cases.push(one('out of range', order('b', { amount: 20_000 }), 'transform/expectation:amount_range'));
  cases.push(one('regex mismatch', order('b', { sku: 'sku_7' }), 'transform/expectation:sku_format'));
  cases.push(one('value not allowed', order('b', { status: 'lost' }), 'transform/expectation:status_allowed'));
  cases.push(one('too old (freshness)', order('b', { ordered_at: new Date(NOW - 30 * DAY_MS).toISOString() }), 'transform/expectation:fresh'));
  // An hour ahead of its publish time is beyond watermark.maxFutureSkew (5 min): ingest refuses it
  // before the freshness expectation could.
  cases.push(one('in the future (beyond maxFutureSkew)', order('b', { ordered_at: new Date(NOW + 3_600_000).toISOString() }), 'ingest/event_time_in_future'));
  cases.push(one('lone UTF-16 surrogate', order('b', { note: 'a\ud800b' }), 'transform/invalid_unicode'));
  cases.push(one('aggregation key missing', without(order('b'), 'country'), 'transform/missing_key'));
  // Good events among them: single, a producer batch, a CDC change.
  cases.push(good('good single event', g()));
  cases.push(good('good NDJSON batch', g(), g(), g()));
  const cc = g();
  cases.push({ kind: 'good CDC create', raw: { data: line(cdc('c', cc)) }, bad: [], good: [cc.order_id] });
  // Batch path: landed files with bad lines and rows.
  const f1 = g();
  const f2 = g();
  cases.push({
    kind: 'landed NDJSON with an invalid UTF-8 line and a line without event time',
    file: {
      name: `in/${RUN}/mixed.ndjson`,
      data: Buffer.concat([Buffer.from(`${line(f1)}\n`), Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d, 0x0a]), Buffer.from(`${line(without(order('b'), 'ordered_at'))}\n${line(f2)}\n`)]),
    },
    bad: ['ingest/invalid_utf8', 'ingest/missing_event_time'],
    good: [f1.order_id, f2.order_id],
  });
  const c1 = g();
  cases.push({
    kind: 'landed CSV with a short row and an uncoercible cell',
    file: { name: `in/${RUN}/mixed.csv`, data: [CSV_COLS.join(','), csvRow(c1), csvRow(order('b')).split(',').slice(0, 5).join(','), csvRow(order('b', { amount: 'abc' }))].join('\n') },
    bad: ['ingest/invalid_csv', 'transform/schema:type'],
    good: [c1.order_id],
  });
  return cases;
}

describe('bad input through the whole chain lands in dead_letter; count in = clean rows + dead-lettered', () => {
  let chain: ChainStack;
  beforeAll(async () => {
    chain = await startChain('bd');
  });
  afterAll(async () => {
    await chain?.close();
  });

  it('a corpus of bad inputs mixed with good events', async () => {
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const cases = corpus();
    const expectedBad = cases.flatMap((c) => c.bad);
    const expectedGood = cases.flatMap((c) => c.good);
    const recordsIn = expectedBad.length + expectedGood.length;
    const kinds = new Set(cases.filter((c) => c.bad.length > 0).map((c) => c.kind)).size;
    expect(kinds).toBeGreaterThanOrEqual(20);

    await Promise.all(cases.map((c) => (c.raw ? chain.publishRaw(c.raw.data, c.raw.attributes) : chain.land(c.file!.name, c.file!.data))));

    type DlRow = { stage: string; reason: string; message: string; payload: string; event_id: string | null };
    const deadLetters = () => chain.query<DlRow>('SELECT stage, reason, message, payload, event_id FROM `{{t}}dead_letter`');
    const cleanRows = () => chain.query<{ event_id: string; customer_email: string }>('SELECT event_id, customer_email FROM `{{t}}events_dedup`');
    // Waiting is not the assertion: on a timeout the comparisons below show what did arrive.
    await waitForCount(`${expectedBad.length} dead_letter rows`, expectedBad.length, async () => (await deadLetters()).length);
    await waitForCount(`${expectedGood.length} clean rows`, expectedGood.length, async () => (await cleanRows()).length);
    const dl = await deadLetters();
    const rows = await cleanRows();

    expect(dl.map((r) => `${r.stage}/${r.reason}`).sort()).toEqual([...expectedBad].sort());
    expect(rows.map((r) => r.event_id).sort()).toEqual([...expectedGood].sort());
    // Count in = clean rows + dead-lettered: nothing else lost (and nothing dead-lettered twice).
    expect(rows.length + dl.length).toBe(recordsIn);
    // Records that ingest let through and transform rejected carry their event id.
    for (const r of dl.filter((d) => d.stage === 'transform')) expect(r.event_id).toMatch(new RegExp(`^b-${RUN}-\\d+$`));
    // No dead letter of either stage holds a PII value in the clear: ingest redacts what parses as
    // a record and withholds the rest (the raw archive keeps it); transform hashes and masks.
    for (const r of dl) expect(`${r.message} ${r.payload}`).not.toMatch(/buyer\d+@example\.com|203\.0\.113\.\d*[1-9]/);
    const withheld = dl.find((d) => d.reason === 'invalid_json' && d.message.includes('{oops') === false && d.payload === '');
    expect(withheld?.message).toMatch(/raw text withheld: the pipeline declares PII fields; the original is in the raw archive, message \S+/);
    // Prototype pollution: nothing was added to Object.prototype by any hostile record.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The stages' own counters agree.
    const t = chain.ingest.totals;
    const ingestBad = expectedBad.filter((b) => b.startsWith('ingest/')).length;
    expect(t.recordsIn).toBe(recordsIn);
    expect(t.deadLettered).toBe(ingestBad);
    expect(t.published).toBe(recordsIn - ingestBad);
    const s = chain.transform.stage.stats;
    expect(s.rows).toBe(expectedGood.length);
    expect(s.deadLettered).toBe(expectedBad.length - ingestBad);
    console.info(`[chain bad-input] ${kinds} kinds of bad input; records in ${recordsIn} = ${rows.length} clean rows + ${dl.length} dead-lettered (ingest ${dl.filter((d) => d.stage === 'ingest').length}, transform ${dl.filter((d) => d.stage === 'transform').length})`);
  });
});
