import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTopology, schemaSignature, type BootstrapSummary, type SubscriptionInfo } from '../../../emulators/bootstrap';
import { serveFunctions, type ServedFunctions } from '../../../emulators/serve';
import { getPipeline, pipelineNames } from '../../../pipelines';
import type { BigQueryField, FunctionStage, TableSpec, Topology } from '../../../shared/topology';
import { pushEndpoint, topologyFor } from '../../../shared/topology';
import { freshPrefix, stackAdmin, stackClients, stackEnv, waitFor } from '../helpers';

const clients = stackClients();

/** A fresh environment prefix per run (emulators keep state; Pub/Sub has no reset). */
/** A row for `table` with every REQUIRED column filled by a value of its type, then `overrides`. */
function rowFor(table: TableSpec, overrides: Record<string, unknown>): Record<string, unknown> {
  const value = (f: BigQueryField): unknown => {
    switch (f.type) {
      case 'STRING':
        return 'x';
      case 'INTEGER':
        return 0;
      case 'FLOAT':
        return 0;
      case 'BOOLEAN':
        return false;
      case 'TIMESTAMP':
        return '2026-01-01T00:00:00.000Z';
      case 'DATE':
        return '2026-01-01';
      case 'RECORD':
        return {};
    }
  };
  const row: Record<string, unknown> = {};
  for (const f of table.schema) if (f.mode === 'REQUIRED') row[f.name] = value(f);
  return { ...row, ...overrides };
}

const tableOf = (t: Topology, name: string): TableSpec => t.dataset.tables.find((x) => x.name === name)!;
const fq = (t: Topology, name: string): string => `\`${t.project}.${t.dataset.id}.${name}\``;

async function assertMatchesTopology(t: Topology, endpoints: Partial<Record<FunctionStage, string>>): Promise<void> {
  const [topics] = await clients.pubsub.getTopics();
  const topicNames = new Set(topics.map((x) => x.name));
  for (const topic of Object.values(t.topics)) expect(topicNames.has(topic.path), topic.path).toBe(true);

  for (const s of t.subscriptions) {
    const [m] = (await clients.pubsub.subscription(s.name).getMetadata()) as [SubscriptionInfo];
    expect(m.topic).toBe(`projects/${t.project}/topics/${s.topicName}`);
    expect(m.ackDeadlineSeconds).toBe(s.ackDeadlineSeconds);
    expect(Boolean(m.enableMessageOrdering)).toBe(s.enableMessageOrdering);
    expect(m.deadLetterPolicy?.deadLetterTopic || undefined).toBe(s.deadLetterPolicy?.topicPath);
    expect(m.deadLetterPolicy?.maxDeliveryAttempts || undefined).toBe(s.deadLetterPolicy?.maxDeliveryAttempts);
    if (s.retryPolicy) {
      expect(Number(m.retryPolicy?.minimumBackoff?.seconds)).toBe(s.retryPolicy.minimumBackoffSeconds);
      expect(Number(m.retryPolicy?.maximumBackoff?.seconds)).toBe(s.retryPolicy.maximumBackoffSeconds);
    }
    expect(Number(m.messageRetentionDuration?.seconds)).toBe(s.messageRetentionSeconds);
    const base = s.delivery.kind === 'push' ? endpoints[s.delivery.stage] : undefined;
    const want = base && s.delivery.kind === 'push' ? pushEndpoint(base, s.delivery.path) : '';
    expect(m.pushConfig?.pushEndpoint ?? '', s.name).toBe(want);
  }

  for (const table of t.dataset.tables) {
    const [m] = (await clients.bigquery.dataset(t.dataset.id).table(table.name).getMetadata()) as unknown as [
      { schema?: { fields?: BigQueryField[] }; timePartitioning?: { type?: string; field?: string }; clustering?: { fields?: string[] } },
    ];
    expect(schemaSignature(m.schema?.fields), table.name).toBe(schemaSignature(table.schema));
    expect(m.timePartitioning?.type).toBe(table.timePartitioning.type);
    expect(m.timePartitioning?.field).toBe(table.timePartitioning.field);
    expect(m.clustering?.fields ?? []).toEqual(table.clustering);
  }
  for (const view of t.dataset.views) {
    const [rows] = await clients.bigquery.query({ query: `SELECT COUNT(*) AS n FROM ${fq(t, view.name)}` });
    expect(rows, view.name).toHaveLength(1);
  }
  for (const b of Object.values(t.buckets)) {
    const [exists] = await clients.storage.bucket(b.name).exists();
    expect(exists, b.name).toBe(true);
  }
  const landing = t.buckets.landing;
  const [notifications] = await clients.storage.bucket(landing.name).getNotifications();
  const topicsNotified = notifications.map((n) => String((n.metadata as { topic?: string }).topic));
  expect(topicsNotified.filter((x) => x.endsWith(t.topics.files.path))).toHaveLength(1);
}

const actions = (s: BootstrapSummary): Set<string> => new Set(s.entries.map((e) => e.action));

describe.each(pipelineNames())('bootstrapTopology(%s) on the emulators', (pipelineName) => {
  const pipeline = getPipeline(pipelineName);
  const topology = topologyFor(pipeline, { project: stackEnv().SLUICE_PROJECT, region: 'europe-west1', env: 'local', prefix: freshPrefix('b') });
  const received: string[] = [];
  let served: ServedFunctions;
  let first: BootstrapSummary;

  beforeAll(async () => {
    // Only ingest is served: its subscriptions push, every other stage's wait as pull.
    served = await serveFunctions({
      ingest: {
        cloudEvent: (event) => {
          received.push(String(event.source ?? ''));
        },
      },
    });
    first = await bootstrapTopology(topology, clients, {
      pushBaseUrl: (stage) => (stage === 'ingest' ? served.urlOf('ingest') : undefined),
      admin: stackAdmin(),
    });
  });
  afterAll(async () => {
    await served.close();
  });

  it('creates every resource the topology lists, as the topology says', async () => {
    expect(first.drift).toEqual([]);
    expect(actions(first)).toEqual(new Set(['created']));
    const count = (kind: string) => first.entries.filter((e) => e.kind === kind).length;
    expect(count('topic')).toBe(Object.keys(topology.topics).length);
    expect(count('subscription')).toBe(topology.subscriptions.length);
    expect(count('table')).toBe(topology.dataset.tables.length);
    expect(count('view')).toBe(topology.dataset.views.length);
    expect(count('bucket')).toBe(Object.keys(topology.buckets).length);
    expect(count('notification')).toBe(1);
    expect(new Set(first.unservedStages)).toEqual(new Set(['transform', 'aggregator', 'deadletter']));
    await assertMatchesTopology(topology, { ingest: served.urlOf('ingest') });
  });

  it('is a no-op when run again', async () => {
    const again = await bootstrapTopology(topology, clients, {
      pushBaseUrl: (stage) => (stage === 'ingest' ? served.urlOf('ingest') : undefined),
      admin: stackAdmin(),
    });
    expect(again.changed).toBe(false);
    expect(actions(again)).toEqual(new Set(['exists']));
    expect(again.entries.map((e) => `${e.kind}:${e.name}`)).toEqual(first.entries.map((e) => `${e.kind}:${e.name}`));
    await assertMatchesTopology(topology, { ingest: served.urlOf('ingest') });
  });

  it('moves push endpoints when stages are served elsewhere, and back to pull when they are not', async () => {
    const moved = await bootstrapTopology(topology, clients, {
      pushBaseUrl: (stage) => (stage === 'transform' ? 'http://127.0.0.1:9/transform' : undefined),
      admin: stackAdmin(),
    });
    const updated = moved.entries.filter((e) => e.action === 'updated').map((e) => e.name).sort();
    const expected = topology.subscriptions
      .filter((s) => s.delivery.kind === 'push' && (s.delivery.stage === 'ingest' || s.delivery.stage === 'transform'))
      .map((s) => s.name)
      .sort();
    expect(updated).toEqual(expected);
    await assertMatchesTopology(topology, { transform: 'http://127.0.0.1:9/transform' });
    const back = await bootstrapTopology(topology, clients, {
      pushBaseUrl: (stage) => (stage === 'ingest' ? served.urlOf('ingest') : undefined),
      admin: stackAdmin(),
    });
    expect(back.changed).toBe(true);
    await assertMatchesTopology(topology, { ingest: served.urlOf('ingest') });
  });

  it('wires the landing bucket to the files topic: a finalized object reaches the served ingest', async () => {
    const before = received.length;
    await clients.storage.bucket(topology.buckets.landing.name).file('drop/a.ndjson').save('{"a":1}\n');
    await waitFor('the finalize notification pushed to ingest', () => (received.length > before ? true : undefined));
    expect(received.slice(before)).toContain(`//pubsub.googleapis.com/${topology.topics.files.path}`);
  });

  it('creates views that deduplicate events and keep the latest pane (checked against rows inserted here)', async () => {
    const events = tableOf(topology, 'events');
    const t0 = '2026-01-01T00:00:00.000Z';
    const t1 = '2026-01-01T00:00:01.000Z';
    await clients.bigquery.dataset(topology.dataset.id).table('events').insert([
      rowFor(events, { event_id: 'e1', ingest_time: t0, message_id: 'm1' }),
      rowFor(events, { event_id: 'e1', ingest_time: t1, message_id: 'm2' }),
      rowFor(events, { event_id: 'e2', ingest_time: t0, message_id: 'm3' }),
    ]);
    const [dedup] = await clients.bigquery.query({ query: `SELECT event_id, message_id FROM ${fq(topology, 'events_dedup')} ORDER BY event_id` });
    // Reference: the first ingested row per event id.
    expect(dedup).toEqual([
      { event_id: 'e1', message_id: 'm1' },
      { event_id: 'e2', message_id: 'm3' },
    ]);

    // late_data_dedup: one row per (aggregation, event id, window start), the first written.
    const late = tableOf(topology, 'late_data');
    const w = (min: number) => new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString();
    await clients.bigquery.dataset(topology.dataset.id).table('late_data').insert([
      rowFor(late, { aggregation: 'a', event_id: 'x', window_start: w(0), at: w(20), lateness_ms: 1 }),
      rowFor(late, { aggregation: 'a', event_id: 'x', window_start: w(0), at: w(21), lateness_ms: 2 }),
      rowFor(late, { aggregation: 'a', event_id: 'x', window_start: w(10), at: w(22), lateness_ms: 3 }),
      rowFor(late, { aggregation: 'b', event_id: 'x', window_start: w(0), at: w(23), lateness_ms: 4 }),
    ]);
    const [lateDedup] = await clients.bigquery.query({ query: `SELECT aggregation, lateness_ms FROM ${fq(topology, 'late_data_dedup')} ORDER BY lateness_ms` });
    expect(lateDedup).toEqual([
      { aggregation: 'a', lateness_ms: 1 },
      { aggregation: 'a', lateness_ms: 3 },
      { aggregation: 'b', lateness_ms: 4 },
    ]);

    for (const a of pipeline.aggregations) {
      const panes = tableOf(topology, `${a.name}_panes`);
      const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString();
      const rows = [
        rowFor(panes, { pane_id: 'p0', key: 'k', window_start: at(0), window_end: at(10), pane_index: 0, fired_at: at(10) }),
        rowFor(panes, { pane_id: 'p1', key: 'k', window_start: at(0), window_end: at(10), pane_index: 1, fired_at: at(11) }),
        rowFor(panes, { pane_id: 'p2', key: 'j', window_start: at(0), window_end: at(10), pane_index: 0, fired_at: at(10) }),
      ];
      if (a.window.kind === 'sessions') {
        // A session of k later merged into [0, 20): the view shows only the merged one.
        rows.push(rowFor(panes, { pane_id: 'p3', key: 'k', window_start: at(0), window_end: at(20), pane_index: 0, fired_at: at(21) }));
      }
      await clients.bigquery.dataset(topology.dataset.id).table(panes.name).insert(rows);
      const [latest] = await clients.bigquery.query({ query: `SELECT pane_id FROM ${fq(topology, a.name)} ORDER BY pane_id` });
      // Reference: per (key, window) the highest pane_index, minus sessions contained in a larger one of the same key.
      const byWindow = new Map<string, { pane_id: string; pane_index: number; key: string; s: string; e: string }>();
      for (const r of rows) {
        const k = `${String(r.key)}|${String(r.window_start)}|${String(r.window_end)}`;
        const cur = byWindow.get(k);
        if (!cur || Number(r.pane_index) > cur.pane_index) {
          byWindow.set(k, { pane_id: String(r.pane_id), pane_index: Number(r.pane_index), key: String(r.key), s: String(r.window_start), e: String(r.window_end) });
        }
      }
      const all = [...byWindow.values()];
      const expected = all
        .filter((x) => a.window.kind !== 'sessions' || !all.some((m) => m !== x && m.key === x.key && m.s <= x.s && m.e >= x.e))
        .map((x) => ({ pane_id: x.pane_id }))
        .sort((p, q) => p.pane_id.localeCompare(q.pane_id));
      expect(latest, a.name).toEqual(expected);
    }
    // The data marts run over the rows inserted above (their content is the stages' concern).
    for (const v of topology.dataset.views.filter((x) => x.role === 'dataMart')) {
      const [rows] = await clients.bigquery.query({ query: `SELECT * FROM ${fq(topology, v.name)}` });
      expect(Array.isArray(rows), v.name).toBe(true);
    }
  });

  it('replaces a view whose SQL differs from the topology', async () => {
    const view = topology.dataset.views[0]!;
    await clients.bigquery.dataset(topology.dataset.id).table(view.name).delete();
    await clients.bigquery.dataset(topology.dataset.id).createTable(view.name, { view: { query: 'SELECT 1 AS stale', useLegacySql: false } });
    const fixed = await bootstrapTopology(topology, clients, {
      pushBaseUrl: (stage) => (stage === 'ingest' ? served.urlOf('ingest') : undefined),
      admin: stackAdmin(),
    });
    expect(fixed.entries.filter((e) => e.action !== 'exists')).toEqual([{ kind: 'view', name: view.name, action: 'updated', detail: 'SQL changed' }]);
    // The first view is events_dedup (rows inserted above): its columns are back, `stale` is gone.
    expect(view.name).toBe('events_dedup');
    const [rows] = await clients.bigquery.query({ query: `SELECT * FROM ${fq(topology, view.name)} LIMIT 1` });
    expect(Object.keys(rows[0] ?? {})).toContain('event_id');
    expect(Object.keys(rows[0] ?? {})).not.toContain('stale');
  });
});

describe("bootstrapTopology with unserved: 'skip'", () => {
  it('leaves out the subscriptions of stages that are not served, keeping pull ones', async () => {
    const t = topologyFor(getPipeline('iot-sensors'), { project: stackEnv().SLUICE_PROJECT, region: 'europe-west1', env: 'local', prefix: freshPrefix('k') });
    const summary = await bootstrapTopology(t, clients, { pushBaseUrl: (stage) => (stage === 'deadletter' ? 'http://127.0.0.1:9/deadletter' : undefined), unserved: 'skip' });
    for (const s of t.subscriptions) {
      const [exists] = await clients.pubsub.subscription(s.name).exists();
      const kept = s.delivery.kind === 'pull' || s.delivery.stage === 'deadletter';
      expect(exists, s.name).toBe(kept);
      expect(summary.delivery[s.name]).toBe(kept ? (s.delivery.kind === 'push' ? pushEndpoint('http://127.0.0.1:9/deadletter', s.delivery.path) : 'pull') : 'skipped');
    }
    expect(summary.entries.find((e) => e.kind === 'notification')).toMatchObject({ action: 'skipped', detail: 'no emulator admin given' });
  });
});
