/**
 * transform end to end on the emulators: EventBundles published to the events topic are pushed to
 * the served transform (functions-framework), which writes BigQuery `events`, publishes keyed
 * bundles on the ordered keyed topic, records drift in Firestore and `schema_drift`, and
 * dead-letters bad records. The topology is created by `bootstrapTopology`; the keyed and
 * dead-letter subscriptions stay pull (their stages are not served here), so the test reads them.
 */
import { createHmac } from 'node:crypto';
import type { CloudEventFunction } from '@google-cloud/functions-framework';
import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTopology } from '../../../../emulators/bootstrap';
import { serveFunctions, type ServedFunctions } from '../../../../emulators/serve';
import { cloudPorts } from '../../../../shared/adapters';
import { partitionOf } from '../../../../shared/core/hash';
import { decodeDeadLetter, decodeKeyedMessage, encodeEventBundle, type Envelope, type KeyedBundle } from '../../../../shared/messages';
import { definePipeline } from '../../../../shared/pipeline';
import { type OutboundMessage, type Publisher, systemClock } from '../../../../shared/ports';
import { CloudSideInputLoader, createTransformHandler, type TransformHandler } from '../../../../shared/stages/transform';
import { topologyFor, type Topology } from '../../../../shared/topology';
import { stackClients, stackEnv, waitFor } from '../../helpers';

const clients = stackClients();
const tag = `${Date.now().toString(36).slice(-6)}${process.pid.toString(36).slice(-3)}`;
const refBucket = `tf-ref-${tag}`;
const HMAC_KEY = 'emulator-hmac-key';

interface Reading {
  reading_id: string;
  device_id: string;
  owner_email: string;
  at: string;
  temp: number;
  note?: string;
  site?: { name: string; floor: number };
  temp_f?: number;
}

const pipeline = definePipeline<Reading>({
  name: 'tf-readings',
  source: {
    formats: ['json'],
    eventId: { from: 'field', path: 'reading_id' },
    eventTime: { from: 'field', path: 'at', format: 'rfc3339' },
  },
  schema: {
    type: 'object',
    required: ['reading_id', 'device_id', 'owner_email', 'at', 'temp'],
    properties: {
      reading_id: { type: 'string' },
      device_id: { type: 'string' },
      owner_email: { type: 'string' },
      at: { type: 'string', format: 'date-time' },
      temp: { type: 'number' },
      note: { type: 'string' },
    },
  },
  expectations: [
    { id: 'temp_plausible', kind: 'range', field: 'temp', min: -50, max: 60 },
    { id: 'device_format', kind: 'regex', field: 'device_id', pattern: '^d-[0-9]+$' },
  ],
  pii: [{ field: 'owner_email', action: 'hash', key: { secret: 'tf-hmac' } }],
  enrichment: [
    {
      name: 'sites',
      source: { kind: 'gcs', uri: `gs://${refBucket}/sites.csv`, format: 'csv' },
      recordField: 'device_id',
      sideField: 'device_id',
      into: 'site',
      fields: { name: { type: 'string' }, floor: { type: 'integer' } },
      ttl: '1m',
      onMissing: 'keep',
    },
  ],
  derivedFields: { temp_f: { type: 'number' } },
  filter: (r) => r.note !== 'calibration',
  transform: (r) => ({ ...r, temp_f: Math.round((r.temp * 9) / 5 + 32) }),
  watermark: { maxOutOfOrderness: '10s', idleTimeout: '1m' },
  aggregations: [
    {
      name: 'device_minute',
      keyFields: ['device_id'],
      window: { kind: 'fixed', size: '1m' },
      trigger: { kind: 'afterWatermark' },
      allowedLateness: '0s',
      accumulation: 'DISCARDING',
      measures: [
        { name: 'n', kind: 'count' },
        { name: 'temp_mean', kind: 'mean', field: 'temp' },
      ],
      partitions: 4,
    },
    {
      name: 'site_hour',
      keyFields: ['site.name'],
      window: { kind: 'fixed', size: '1h' },
      trigger: { kind: 'afterWatermark' },
      allowedLateness: '0s',
      accumulation: 'DISCARDING',
      measures: [{ name: 'max_f', kind: 'max', field: 'temp_f' }],
      partitions: 2,
    },
  ],
  retention: { rawArchive: {} },
  schemaDrift: { unknownFields: 'keep', typeChanges: 'record' },
});

const SITES: Record<string, { name: string; floor: number }> = {
  'd-1': { name: 'north', floor: 1 },
  'd-2': { name: 'south', floor: 2 },
  'd-3': { name: 'north', floor: 3 },
};
const SITES_CSV = `device_id,name,floor\n${Object.entries(SITES)
  .map(([d, s]) => `${d},${s.name},${s.floor}`)
  .join('\n')}\n`;

/** Records a publisher's messages in the order it accepted them (per topic). */
class RecordingPublisher implements Publisher {
  readonly accepted: { topic: string; message: OutboundMessage }[] = [];
  constructor(private readonly inner: Publisher) {}
  async publish(topic: string, messages: OutboundMessage[]): Promise<string[]> {
    const ids = await this.inner.publish(topic, messages);
    for (const m of messages) this.accepted.push({ topic, message: m });
    return ids;
  }
}

const NOW = Date.now();
let seq = 0;
function envelope(record: Record<string, unknown>): Envelope {
  seq++;
  return {
    eventId: String(record.reading_id),
    eventTime: Date.parse(String(record.at)),
    pipeline: 'tf-readings',
    source: { messageId: `raw-${seq}`, publishTime: NOW, attributes: { via: 'test' }, format: 'json' },
    record,
    ingestTime: NOW,
  };
}
const reading = (i: number, patch: Record<string, unknown> = {}): Record<string, unknown> => ({
  reading_id: `r-${tag}-${i}`,
  device_id: `d-${1 + (i % 4)}`, // d-4 has no site row: site_hour key missing → dead letter
  owner_email: `owner${i % 3}@example.com`,
  at: new Date(NOW - (i % 50) * 1000).toISOString(),
  temp: 15 + (i % 10),
  ...patch,
});

describe('transform on the emulators', () => {
  let topology: Topology;
  let served: ServedFunctions;
  let handler: TransformHandler;
  let publisher: RecordingPublisher;
  const keyed: Message[] = [];
  const deadLetters: Message[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const project = stackEnv().SLUICE_PROJECT;
    topology = topologyFor(pipeline, { project, region: 'europe-west1', env: 'local', prefix: `t${tag}`.slice(0, 12) });
    const [bucket] = await clients.storage.createBucket(refBucket);
    await bucket.file('sites.csv').save(SITES_CSV);
    const ports = cloudPorts(clients);
    publisher = new RecordingPublisher(ports.publisher());
    handler = createTransformHandler({
      pipeline,
      topology,
      sink: ports.sink(topology.dataset.id),
      publisher,
      state: ports.stateStore(),
      sideInputs: new CloudSideInputLoader({ objects: ports.objectStore(), maximumBytesBilled: 1e9 }),
      secret: (id) => (id === 'tf-hmac' ? HMAC_KEY : ''),
      clock: systemClock,
      logger: { log: () => undefined, metric: () => undefined },
      options: { groupCommit: { maxDelayMs: 50 } },
    });
    served = await serveFunctions({ [`transform_${tag}`]: { cloudEvent: handler as CloudEventFunction<unknown> } });
    closers.push(() => served.close());
    await bootstrapTopology(topology, clients, {
      pushBaseUrl: (stage) => (stage === 'transform' ? served.urlOf(`transform_${tag}`) : undefined),
      unserved: 'pull',
    });
    const listen = (name: string, into: Message[]) => {
      const sub = clients.pubsub.subscription(name);
      sub.on('message', (m: Message) => {
        into.push(m);
        m.ack();
      });
      closers.push(() => sub.close());
    };
    listen(topology.subscriptions.find((s) => s.topic === 'keyed')!.name, keyed);
    listen(topology.subscriptions.find((s) => s.topic === 'deadLetter')!.name, deadLetters);
  });

  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  it('turns EventBundles into clean rows, ordered keyed bundles, drift recorded once and dead letters', async () => {
    const good = Array.from({ length: 60 }, (_, i) => reading(i, i % 7 === 0 ? { coupon: `c${i}` } : {}));
    const bad: [Record<string, unknown>, string][] = [
      [reading(100, { temp: 99 }), 'expectation:temp_plausible'],
      [reading(101, { device_id: 'X-1' }), 'expectation:device_format'],
      [reading(102, { temp: 'hot' }), 'schema:type'],
      [{ ...reading(103), temp: undefined }, 'schema:required'],
      [reading(104, { device_id: 'd-4' }), 'missing_key'],
    ];
    const filtered = [reading(200, { device_id: 'd-1', note: 'calibration' })];
    const all = [...good, ...bad.map(([r]) => r), ...filtered].map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);
    // Interleave into 8 bundles so deliveries overlap and partitions receive several bundles.
    const bundles: Envelope[][] = Array.from({ length: 8 }, () => []);
    all.forEach((r, i) => bundles[i % 8]!.push(envelope(r)));
    const topic = clients.pubsub.topic(topology.topics.events.name);
    await Promise.all(bundles.map((envs) => topic.publishMessage({ data: Buffer.from(encodeEventBundle({ v: 1, pipeline: 'tf-readings', envelopes: envs })) })));
    // A delivery that is not a bundle at all, and one with a hostile record beside a good one.
    await topic.publishMessage({ data: Buffer.from('garbage') });
    const hostileGood = reading(300, { device_id: 'd-2' });
    const hostile = `{"v":1,"pipeline":"tf-readings","envelopes":[${JSON.stringify(envelope(reading(301))).replace('"record":{', '"record":{"__proto__":{"polluted":1},')},${JSON.stringify(envelope(hostileGood))}]}`;
    await topic.publishMessage({ data: Buffer.from(hostile) });

    // Reference, computed independently of the stage: which records become rows, with what values.
    const clean = [...good, hostileGood].filter((r) => SITES[String(r.device_id)]);
    const expectedBad = [
      ...bad.map(([r, reason]) => [r.reading_id, reason]),
      ...good.filter((r) => !SITES[String(r.device_id)]).map((r) => [r.reading_id, 'missing_key']),
      [null, 'invalid_json'],
      [`r-${tag}-301`, 'hostile_key'],
    ];
    const fq = `\`${topology.project}.${topology.dataset.id}.events\``;
    const rows = await waitFor(
      'clean rows in events',
      async () => {
        const [r] = await clients.bigquery.query({ query: `SELECT * FROM ${fq}` });
        return r.length >= clean.length ? (r as Record<string, unknown>[]) : undefined;
      },
      90_000,
    );
    expect(rows).toHaveLength(clean.length);
    const norm = (v: unknown): unknown => (v && typeof v === 'object' && 'value' in (v as object) ? (v as { value: unknown }).value : v);
    const actual = rows
      .map((r) => ({
        event_id: r.event_id,
        device_id: r.device_id,
        owner_email: r.owner_email,
        temp: r.temp,
        temp_f: r.temp_f,
        site: r.site,
        extra: r.extra_json === null ? null : JSON.parse(String(r.extra_json)),
        event_time: new Date(String(norm(r.event_time))).getTime(),
      }))
      .sort((a, b) => String(a.event_id).localeCompare(String(b.event_id)));
    const expected = clean
      .map((r) => ({
        event_id: r.reading_id,
        device_id: r.device_id,
        owner_email: createHmac('sha256', HMAC_KEY).update(String(r.owner_email)).digest('hex'),
        temp: r.temp,
        temp_f: Math.round((Number(r.temp) * 9) / 5 + 32),
        site: SITES[String(r.device_id)],
        extra: r.coupon === undefined ? null : { coupon: r.coupon },
        event_time: Date.parse(String(r.at)),
      }))
      .sort((a, b) => String(a.event_id).localeCompare(String(b.event_id)));
    expect(actual).toEqual(expected);

    // Keyed bundles: every clean record once per aggregation, in the partition its key hashes to,
    // with ordering key aggregation/partition, arriving in the order transform published them.
    const expectedKeyed = clean.length * 2;
    await waitFor('keyed records', () => {
      const n = keyed.reduce((s, m) => s + (decodeKeyedMessage(m.data) as KeyedBundle).records.length, 0);
      return n >= expectedKeyed ? n : undefined;
    });
    const seen = new Map<string, { partition: number; key: string }>();
    for (const m of keyed) {
      const b = decodeKeyedMessage(m.data) as KeyedBundle;
      expect(m.orderingKey).toBe(`${b.aggregation}/${b.partition}`);
      expect(m.attributes['sluice-partition']).toBe(String(b.partition));
      for (const r of b.records) {
        expect(seen.has(`${b.aggregation}|${r.eventId}`)).toBe(false);
        seen.set(`${b.aggregation}|${r.eventId}`, { partition: b.partition, key: r.key });
      }
    }
    const refKeyed = new Map<string, { partition: number; key: string }>();
    for (const r of clean) {
      const k1 = String(r.device_id);
      const k2 = SITES[String(r.device_id)]!.name;
      refKeyed.set(`device_minute|${r.reading_id}`, { partition: partitionOf(k1, 4), key: k1 });
      refKeyed.set(`site_hour|${r.reading_id}`, { partition: partitionOf(k2, 2), key: k2 });
    }
    expect(seen).toEqual(refKeyed);
    const publishedOrder = new Map<string, string[]>();
    for (const { topic: t, message } of publisher.accepted) {
      if (t !== topology.topics.keyed.name) continue;
      publishedOrder.set(message.orderingKey!, [...(publishedOrder.get(message.orderingKey!) ?? []), message.attributes!['sluice-bundle-id']!]);
    }
    const receivedOrder = new Map<string, string[]>();
    for (const m of keyed) receivedOrder.set(m.orderingKey!, [...(receivedOrder.get(m.orderingKey!) ?? []), m.attributes['sluice-bundle-id']!]);
    expect(receivedOrder).toEqual(publishedOrder);
    expect([...publishedOrder.values()].some((ids) => ids.length > 1)).toBe(true);

    // Dead letters, with the rule that failed.
    await waitFor('dead letters', () => (deadLetters.length >= expectedBad.length ? true : undefined));
    const got = deadLetters
      .map((m) => decodeDeadLetter(m.data))
      .map((d) => [d.eventId ?? null, d.reason])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(got).toEqual(expectedBad.sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // Drift: `coupon` appeared in several bundles, recorded once (and, as later records lack it, its
    // absence once: it is optional); the registry document holds it.
    const [driftRows] = await clients.bigquery.query({ query: `SELECT field, change, observed_type FROM \`${topology.project}.${topology.dataset.id}.schema_drift\`` });
    const changes = (driftRows as { field: string; change: string }[]).map((r) => `${r.field}:${r.change}`).sort();
    expect(changes.filter((c) => c === 'coupon:added')).toHaveLength(1);
    expect(new Set(changes).size).toBe(changes.length);
    expect(changes.every((c) => c === 'coupon:added' || c === 'coupon:missing')).toBe(true);
    const doc = await clients.firestore.doc(`${topology.firestore.collections.schemaRegistry}/latest`).get();
    expect(doc.get('version')).toBe(1 + changes.length);
    expect((doc.get('fields') as { path: string }[]).map((f) => f.path)).toContain('coupon');
    expect(doc.get('pending')).toEqual([]);

    // Counted: every record in = row + filtered + dead-lettered.
    const s = handler.stage.stats;
    expect(s.rows).toBe(clean.length);
    expect(s.filtered).toBe(1);
    expect(s.rows + s.filtered + s.deadLettered).toBe(all.length + 1 /* garbage */ + 2 /* hostile bundle */);
  });
});
