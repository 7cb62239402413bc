/**
 * The full front chain on the emulators: raw topic / landing bucket → ingest → events topic →
 * transform → BigQuery `events` + keyed topic, with the raw archive in GCS. Every expectation is
 * computed here from the input (HMAC with node:crypto, the IPv4 /24 prefix, `partitionOf`), never
 * taken from the stages.
 */
import { createHmac } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../../shared/core/hash';
import { type ChainStack, type Order, PARTITIONS, PII_KEY, startChain, waitFor, waitForCount } from './harness';

const NOW = Date.now();
const RUN = `${NOW.toString(36)}${process.pid.toString(36)}`;
const COUNTRIES = ['FR', 'DE', 'NL', 'BE', 'IT', 'ES', 'PL'];
const STATUS = ['new', 'paid', 'shipped'];

/** A good order; `i` varies every field so rows differ. Times are recent (the freshness rule). */
function order(kind: string, i: number): Order {
  return {
    order_id: `${kind}-${RUN}-${i}`,
    customer_email: `customer${i % 5}@example.com`,
    ip: `198.51.${i % 7}.${10 + i}`,
    ordered_at: new Date(NOW - 60_000 - i * 1_700).toISOString(),
    amount: Math.round((5 + i * 3.25) * 100) / 100,
    quantity: 1 + (i % 4),
    status: STATUS[i % 3]!,
    sku: `SKU-${100 + i}`,
    country: COUNTRIES[i % COUNTRIES.length]!,
  };
}

/** The clean row a good order must become, computed independently of the stages. */
function expectedRow(o: Order): Record<string, unknown> {
  const [a, b, c] = o.ip.split('.');
  return {
    event_id: o.order_id,
    event_time: Date.parse(o.ordered_at),
    customer_email: createHmac('sha256', PII_KEY).update(o.customer_email, 'utf8').digest('hex'),
    ip: `${a}.${b}.${c}.0`,
    amount: o.amount,
    quantity: o.quantity,
    status: o.status,
    sku: o.sku,
    country: o.country,
  };
}

/** BigQuery returns TIMESTAMPs as `{value}` objects or strings; epoch ms either way. */
const ms = (v: unknown): number => Date.parse(String(v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v));

function actualRow(r: Record<string, unknown>): Record<string, unknown> {
  return {
    event_id: r.event_id,
    event_time: ms(r.event_time),
    customer_email: r.customer_email,
    ip: r.ip,
    amount: r.amount,
    quantity: r.quantity,
    status: r.status,
    sku: r.sku,
    country: r.country,
  };
}

const byId = (a: { event_id?: unknown }, b: { event_id?: unknown }) => String(a.event_id).localeCompare(String(b.event_id));

describe('raw topic and landing bucket → ingest → transform → BigQuery, GCS archive, keyed topic', () => {
  let chain: ChainStack;
  beforeAll(async () => {
    chain = await startChain('ch');
  });
  afterAll(async () => {
    await chain?.close();
  });

  it('single events and NDJSON producer batches arrive as clean rows, archived raw messages and keyed records', async () => {
    const startedMs = Date.now();
    const singles = Array.from({ length: 12 }, (_, i) => order('s', i));
    const batches = Array.from({ length: 3 }, (_, b) => Array.from({ length: 10 }, (_, i) => order(`b${b}`, i + b * 10)));
    const published = new Map<string, { data: string; attributes: Record<string, string> }>();
    const publish = async (data: string, attributes: Record<string, string>) => published.set(await chain.publishRaw(data, attributes), { data, attributes });
    // Concurrently, so ingest's and transform's group commits bundle several deliveries.
    await Promise.all([
      ...singles.map((o, i) => publish(JSON.stringify(o), { via: 'single', n: String(i) })),
      ...batches.map((batch, b) => publish(`${batch.map((o) => JSON.stringify(o)).join('\n')}\n`, { via: 'ndjson', n: String(b) })),
    ]);
    const all = [...singles, ...batches.flat()];

    // 1. Clean rows, deduplicated by the view, with PII hashed and masked.
    await waitForCount(`${all.length} rows in events_dedup`, all.length, async () => (await chain.query('SELECT event_id FROM `{{t}}events_dedup`')).length);
    const rows = await chain.query('SELECT * FROM `{{t}}events_dedup`');
    expect(rows.map(actualRow).sort(byId)).toEqual(all.map(expectedRow).sort(byId));
    // Ingest-side columns: the formats, and the message each row came from with its attributes.
    const viaOf = new Map(all.map((o) => [o.order_id, singles.includes(o) ? 'single' : 'ndjson']));
    for (const r of rows) {
      const via = viaOf.get(String(r.event_id))!;
      expect(r.source_format).toBe(via === 'single' ? 'json' : 'ndjson');
      expect(published.get(String(r.message_id))?.attributes.via).toBe(via);
      expect(JSON.parse(String(r.attributes_json))).toEqual(published.get(String(r.message_id))!.attributes);
      expect(r.extra_json).toBeNull();
    }
    // No raw PII anywhere in the rows.
    const text = JSON.stringify(rows);
    for (const o of all) {
      expect(text).not.toContain(o.customer_email);
      expect(text).not.toContain(`"${o.ip}"`);
    }

    // 2. The raw archive: gzip NDJSON objects under dt=YYYY-MM-DD/hour=HH/ holding every published message.
    const bucket = chain.clients.storage.bucket(chain.topology.buckets.rawArchive.name);
    const readArchive = async () => {
      const [files] = await bucket.getFiles();
      const lines = new Map<string, { data: string; attributes: Record<string, string>; path: string }>();
      for (const f of files) {
        const [buf] = await f.download();
        for (const l of gunzipSync(buf).toString('utf8').split('\n').filter(Boolean)) {
          const line = JSON.parse(l) as { messageId: string; data: string; encoding: string; attributes: Record<string, string> };
          expect(line.encoding).toBe('text');
          lines.set(line.messageId, { data: line.data, attributes: line.attributes, path: f.name });
        }
      }
      return { files, lines };
    };
    await waitForCount('every message archived', published.size, async () => (await readArchive()).lines.size);
    const archive = await readArchive();
    const hours = new Set<string>();
    for (let t = startedMs - 3_600_000; t <= Date.now() + 3_600_000; t += 60_000) {
      const iso = new Date(t).toISOString();
      hours.add(`dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`);
    }
    for (const f of archive.files) {
      expect(f.name).toMatch(/^dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[^/]+\.ndjson\.gz$/);
      expect(hours.has(f.name.slice(0, f.name.lastIndexOf('/') + 1))).toBe(true);
    }
    // One object per flush holding whole messages, never one per event (how many deliveries share a
    // flush depends on timing, so only the bounds are asserted).
    expect(archive.files.length).toBeLessThanOrEqual(published.size);
    expect(archive.files.length).toBeLessThan(all.length);
    expect(new Map([...archive.lines].map(([id, l]) => [id, { data: l.data, attributes: l.attributes }]))).toEqual(published);

    // 3. Keyed records: each clean order once, keyed by country in partition partitionOf(country, P),
    //    in a bundle whose ordering key is aggregation/partition.
    await waitForCount(`${all.length} keyed records`, all.length, () => new Set(chain.keyed.flatMap((k) => k.bundle.records.map((r) => r.eventId))).size);
    const got = new Map<string, { partition: number; key: string; amount: unknown; eventTime: number }>();
    for (const k of chain.keyed) {
      expect(k.bundle.aggregation).toBe('country_minute');
      expect(k.orderingKey).toBe(`country_minute/${k.bundle.partition}`);
      expect(k.attributes['sluice-partition']).toBe(String(k.bundle.partition));
      for (const r of k.bundle.records) {
        got.set(r.eventId, { partition: k.bundle.partition, key: r.key, amount: (r.value as { amount?: unknown }).amount, eventTime: r.eventTime });
      }
    }
    const want = new Map(all.map((o) => [o.order_id, { partition: partitionOf(o.country!, PARTITIONS), key: o.country!, amount: o.amount, eventTime: Date.parse(o.ordered_at) }]));
    expect(got).toEqual(want);
    expect(new Set([...got.values()].map((v) => v.partition)).size).toBeGreaterThan(1);
    // Nothing dead-lettered on the way.
    expect(chain.ingest.totals.deadLettered).toBe(0);
    expect(chain.transform.stage.stats.deadLettered).toBe(0);
    console.info(`[chain] ${all.length} orders in ${published.size} messages → ${rows.length} rows, ${archive.files.length} archive objects, ${chain.keyed.length} keyed bundles`);
  });

  it('the same data landed as CSV and as NDJSON yields the same clean rows', async () => {
    const rowsOf = (tag: string) => Array.from({ length: 25 }, (_, i) => order(tag, i));
    const csvOrders = rowsOf('csv');
    const ndOrders = rowsOf('nd');
    const cols = ['order_id', 'customer_email', 'ip', 'ordered_at', 'amount', 'quantity', 'status', 'sku', 'country'] as const;
    const csv = `${cols.join(',')}\n${csvOrders.map((o) => cols.map((c) => String(o[c])).join(',')).join('\n')}\n`;
    const ndjson = `${ndOrders.map((o) => JSON.stringify(o)).join('\n')}\n`;
    await Promise.all([chain.land(`in/${RUN}/orders.csv`, csv), chain.land(`in/${RUN}/orders.ndjson`, ndjson)]);

    const q = (tag: string) => chain.query(`SELECT * FROM \`{{t}}events_dedup\` WHERE STARTS_WITH(event_id, '${tag}-${RUN}-')`);
    await waitForCount('50 landed rows', 50, async () => (await q('csv')).length + (await q('nd')).length);
    const [csvRows, ndRows] = await Promise.all([q('csv'), q('nd')]);
    // The ingest-specific columns differ by construction; the rest must be identical once the id's
    // file tag is stripped.
    const ingestColumns = new Set(['event_id', 'order_id', 'ingest_time', 'publish_time', 'message_id', 'source_format', 'attributes_json']);
    const strip = (tag: string) => (r: Record<string, unknown>) => ({
      id: String(r.event_id).slice(tag.length + 1),
      ...Object.fromEntries(
        Object.entries(r)
          .filter(([k]) => !ingestColumns.has(k))
          .map(([k, v]) => [k, k === 'event_time' ? ms(v) : v]),
      ),
    });
    const sortId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(csvRows).toHaveLength(csvOrders.length);
    expect(csvRows.map(strip('csv')).sort(sortId)).toEqual(ndRows.map(strip('nd')).sort(sortId));
    // And both equal the independent expectation (CSV cells coerced to the schema's types).
    expect(csvRows.map(actualRow).sort(byId)).toEqual(csvOrders.map(expectedRow).sort(byId));
    expect(ndRows.map(actualRow).sort(byId)).toEqual(ndOrders.map(expectedRow).sort(byId));
    expect(new Set(csvRows.map((r) => r.source_format))).toEqual(new Set(['csv']));
    expect(new Set(ndRows.map((r) => r.source_format))).toEqual(new Set(['ndjson']));
    await waitFor('landed keyed records', () => {
      const ids = new Set(chain.keyed.flatMap((k) => k.bundle.records.map((r) => r.eventId)));
      return [...csvOrders, ...ndOrders].every((o) => ids.has(o.order_id)) ? true : undefined;
    });
  });
});
