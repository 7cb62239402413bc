/**
 * The front chain through the real entry points: `startDevStack` serves `functions/{ingest,
 * transform,deadletter}` (each in its own child process with the environment the topology gives it,
 * its PII secret a local stand-in) for the registered clickstream pipeline on prefixed resources.
 * Single events carrying the `event_id` attribute and NDJSON producer batches (with and without
 * it) must arrive as clean rows with the email HMAC-hashed and the IP masked, as raw archive
 * lines, and as keyed records of both aggregations. Expectations are computed here.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevStack, type DevStack } from '../../../emulators/dev';
import { partitionOf } from '../../../shared/core/hash';
import { decodeKeyedMessage, type KeyedBundle } from '../../../shared/messages';
import { waitForCount } from './harness';

const PII_KEY = 'chain-dev-stand-in-key';
const NOW = Date.now();
const RUN = `${NOW.toString(36)}${process.pid.toString(36)}`;
const PAGES = ['/', '/shop/shoes', '/shop/hats', '/cart', '/blog/post-1'];

interface Click {
  user_email: string;
  event_type: 'page_view' | 'click' | 'add_to_cart' | 'purchase';
  page: string;
  ip: string;
  user_agent: string;
  client_ts: number;
  value_eur: number | null;
}
let n = 0;
function click(patch: Partial<Click> = {}): Click {
  n += 1;
  return {
    user_email: `visitor${n % 4}-${RUN}@example.org`,
    event_type: (['page_view', 'click', 'add_to_cart', 'purchase'] as const)[n % 4]!,
    page: PAGES[n % PAGES.length]!,
    ip: `192.0.2.${n}`,
    user_agent: 'Mozilla/5.0',
    client_ts: NOW - 300_000 + n * 1_000,
    value_eur: n % 4 === 3 ? n * 2.5 : null,
    ...patch,
  };
}

/** SHA-256 of the record's JSON with sorted keys (flat records): the definition's content-hash fallback. */
const contentHash = (r: object) => createHash('sha256').update(JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)))), 'utf8').digest('hex');
const hmac = (v: string) => createHmac('sha256', PII_KEY).update(v, 'utf8').digest('hex');
const ms = (v: unknown): number => Date.parse(String(v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v));

describe('the dev stack (real entry points, clickstream): raw topic → ingest → transform → events, archive, keyed', () => {
  let stack: DevStack;
  beforeAll(async () => {
    stack = await startDevStack({
      pipeline: 'clickstream',
      prefix: `cd${RUN.slice(-8)}`,
      tickIntervalMs: 0,
      stages: ['ingest', 'transform', 'deadletter'],
      keepStack: true,
      localSecret: () => PII_KEY,
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('single events, id-attributed and plain NDJSON batches become clean rows and keyed records; bots are filtered', async () => {
    expect(stack.served.map((s) => s.stage).sort()).toEqual(['deadletter', 'ingest', 'transform']);
    expect(stack.failed).toEqual([]);
    const raw = stack.clients.pubsub.topic(stack.topology.topics.raw.name);
    const expected = new Map<string, Click>();
    const singles = Array.from({ length: 8 }, () => click());
    const attributed = Array.from({ length: 5 }, () => click());
    const plain = Array.from({ length: 4 }, () => click());
    const bot = click({ user_agent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' });
    singles.forEach((c, i) => expected.set(`s-${RUN}-${i}`, c));
    attributed.forEach((c, i) => expected.set(`b-${RUN}#${i}`, c));
    plain.forEach((c) => expected.set(contentHash(c), c));
    const ndjson = (cs: Click[]) => Buffer.from(cs.map((c) => JSON.stringify(c)).join('\n'));
    await Promise.all([
      ...singles.map((c, i) => raw.publishMessage({ data: Buffer.from(JSON.stringify(c)), attributes: { event_id: `s-${RUN}-${i}` } })),
      raw.publishMessage({ data: ndjson(attributed), attributes: { event_id: `b-${RUN}` } }),
      raw.publishMessage({ data: ndjson(plain) }),
      raw.publishMessage({ data: Buffer.from(JSON.stringify(bot)), attributes: { event_id: `bot-${RUN}` } }),
    ]);

    const table = (name: string) => `\`${stack.topology.project}.${stack.topology.dataset.id}.${name}\``;
    const query = async (sql: string) => (await stack.clients.bigquery.query({ query: sql }))[0] as Record<string, unknown>[];
    await waitForCount(`${expected.size} clean rows`, expected.size, async () => (await query(`SELECT event_id FROM ${table('events_dedup')}`)).length, 90_000);
    const rows = await query(`SELECT * FROM ${table('events_dedup')}`);
    const actual = rows
      .map((r) => ({ id: r.event_id, email: r.user_email, ip: r.ip, page: r.page, section: r.page_section, type: r.event_type, value: r.value_eur, t: ms(r.event_time) }))
      .sort((a, b) => String(a.id).localeCompare(String(b.id)));
    const want = [...expected]
      .map(([id, c]) => ({
        id,
        email: hmac(c.user_email),
        ip: c.ip.replace(/\.\d+$/, '.0'),
        page: c.page,
        section: c.page.split('/')[1] || 'home',
        type: c.event_type,
        value: c.value_eur,
        t: c.client_ts,
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(actual).toEqual(want);
    // The bot was filtered: neither a row nor a dead letter.
    expect((await query(`SELECT COUNT(*) AS n FROM ${table('dead_letter')}`))[0]!.n).toBe(0);

    // Keyed records of both aggregations, pulled from the keyed topic (the aggregator is not served).
    const sub = stack.clients.pubsub.subscription(stack.topology.subscriptions.find((s) => s.topic === 'keyed')!.name);
    const keyed: { orderingKey: string | undefined; bundle: KeyedBundle }[] = [];
    sub.on('message', (m) => {
      keyed.push({ orderingKey: m.orderingKey, bundle: decodeKeyedMessage(m.data) as KeyedBundle });
      m.ack();
    });
    try {
      const ids = () => new Set(keyed.flatMap((k) => k.bundle.records.map((r) => `${k.bundle.aggregation}|${r.eventId}`)));
      await waitForCount('keyed records', expected.size * 2, () => ids().size);
    } finally {
      await sub.close();
    }
    const got = new Map<string, { key: string; partition: number }>();
    for (const k of keyed) {
      expect(k.orderingKey).toBe(`${k.bundle.aggregation}/${k.bundle.partition}`);
      for (const r of k.bundle.records) got.set(`${k.bundle.aggregation}|${r.eventId}`, { key: r.key, partition: k.bundle.partition });
    }
    const wantKeyed = new Map<string, { key: string; partition: number }>();
    for (const [id, c] of expected) {
      wantKeyed.set(`user_sessions|${id}`, { key: hmac(c.user_email), partition: partitionOf(hmac(c.user_email), 8) });
      wantKeyed.set(`page_traffic|${id}`, { key: c.page, partition: partitionOf(c.page, 4) });
    }
    expect(got).toEqual(wantKeyed);

    // The raw archive holds every message (11 of them), each line decoding to what was published.
    const [files] = await stack.clients.storage.bucket(stack.topology.buckets.rawArchive.name).getFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f.name).toMatch(/^dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[^/]+\.ndjson\.gz$/);
    console.info(`[chain dev-stack] ${expected.size} clean rows, ${got.size} keyed records in ${keyed.length} bundles, ${files.length} archive objects`);
  });
});
