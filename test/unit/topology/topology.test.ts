import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/core/errors';
import { deadLetterOf, deadLetterRow, decodeTick } from '../../../shared/messages';
import { type AnyPipeline, definePipeline } from '../../../shared/pipeline';
import {
  deliveriesInFlight,
  EMULATOR_PUSH_CONCURRENCY,
  fitName,
  GCP_NAME_RULES,
  jsonSchemaToField,
  pushEndpoint,
  topologyFor,
  type Topology,
  type TopologyOptions,
} from '../../../shared/topology';
import { clickstream, iotSensors } from '../../../pipelines';

/** A pipeline with the longest legal name, to exercise shortening. */
const longName = definePipeline({
  ...structuredClone({ ...iotSensors, filter: undefined, transform: undefined }),
  name: 'abcdefghij-klmnopqrst-uv',
} as never) as AnyPipeline;

const pipelines: AnyPipeline[] = [iotSensors, clickstream, longName];
const targets: TopologyOptions[] = [
  { project: 'sluice-local', region: 'us-central1', env: 'local' },
  { project: 'acme-data-prod', region: 'europe-west1', env: 'cloud', prefix: 'dev' },
  { project: 'a-very-long-project-id-123456', region: 'asia-southeast1', env: 'cloud', prefix: 'pr-123456789' },
];
const all: Array<[string, AnyPipeline, TopologyOptions]> = pipelines.flatMap((p) =>
  targets.map((o): [string, AnyPipeline, TopologyOptions] => [`${p.name} @ ${o.project}/${o.prefix ?? '-'}`, p, o]),
);

describe.each(all)('topology of %s', (_label, pipeline, opts) => {
  const t: Topology = topologyFor(pipeline, opts);

  it('is deterministic plain data', () => {
    expect(topologyFor(pipeline, opts)).toEqual(t);
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it('gives every push subscription a dead-letter and retry policy, and holds the terminal one for operators', () => {
    const push = t.subscriptions.filter((s) => !s.terminal);
    expect(push.length).toBe(6);
    for (const s of push) {
      expect(s.delivery.kind).toBe('push');
      expect(s.deadLetterPolicy).toBeDefined();
      expect(s.retryPolicy).toBeDefined();
      const { minimumBackoffSeconds: min, maximumBackoffSeconds: max } = s.retryPolicy!;
      expect(0 <= min && min <= max && max <= 600).toBe(true);
      expect(s.deadLetterPolicy!.maxDeliveryAttempts).toBeGreaterThanOrEqual(5);
      expect(s.deadLetterPolicy!.maxDeliveryAttempts).toBeLessThanOrEqual(100);
      expect(s.deadLetterPolicy!.topicName).not.toBe(s.topicName);
      expect(Object.values(t.topics).map((x) => x.name)).toContain(s.deadLetterPolicy!.topicName);
      expect(s.expirationTtl).toBe('never');
    }
    const terminal = t.subscriptions.filter((s) => s.terminal);
    expect(terminal).toHaveLength(1);
    expect(terminal[0]).toMatchObject({ topic: 'parking', delivery: { kind: 'pull' } });
    expect(terminal[0]!.messageRetentionSeconds).toBe(7 * 24 * 3600);
  });

  it('orders the keyed subscription, and only it', () => {
    const ordered = t.subscriptions.filter((s) => s.enableMessageOrdering);
    expect(ordered.map((s) => s.topic)).toEqual(['keyed']);
    expect(ordered[0]!.delivery).toMatchObject({ kind: 'push', stage: 'aggregator' });
  });

  it('routes each topic to the right stage, every topic is read, and push paths yield CloudEvents', () => {
    const route = Object.fromEntries(t.subscriptions.map((s) => [s.topic, s.delivery.kind === 'push' ? s.delivery.stage : 'pull']));
    expect(route).toEqual({ raw: 'ingest', files: 'ingest', events: 'transform', keyed: 'aggregator', tick: 'aggregator', deadLetter: 'deadletter', parking: 'pull' });
    for (const s of t.subscriptions) {
      if (s.delivery.kind !== 'push') continue;
      expect(s.delivery.path).toBe(`/projects/${opts.project}/topics/${s.topicName}`);
      expect(s.delivery.oidcServiceAccountId).toBe(t.pushServiceAccountId);
      const fn = t.functions[s.delivery.stage];
      expect(fn.subscriptions).toContain(s.name);
      expect(s.ackDeadlineSeconds).toBeGreaterThanOrEqual(fn.timeoutSeconds);
      expect(s.ackDeadlineSeconds).toBeLessThanOrEqual(600);
    }
  });

  it('derives valid, unique GCP names', () => {
    const check = (rule: RegExp, names: string[], maxLen: number): void => {
      for (const n of names) {
        expect(n).toMatch(rule);
        expect(n.length).toBeLessThanOrEqual(maxLen);
        expect(n).not.toMatch(/--/);
      }
      expect(new Set(names).size).toBe(names.length);
    };
    check(GCP_NAME_RULES.pubsub, [...Object.values(t.topics).map((x) => x.name), ...t.subscriptions.map((s) => s.name)], 255);
    check(GCP_NAME_RULES.bucket, Object.values(t.buckets).map((b) => b.name), 63);
    check(GCP_NAME_RULES.function, Object.values(t.functions).map((f) => f.name), 49);
    const sas = [...Object.values(t.functions).map((f) => f.serviceAccountId), t.pushServiceAccountId];
    check(GCP_NAME_RULES.serviceAccount, sas, 30);
    for (const sa of sas) expect(sa.length).toBeGreaterThanOrEqual(6);
    expect(t.dataset.id).toMatch(/^[a-z0-9_]+$/);
    check(GCP_NAME_RULES.table, [...t.dataset.tables, ...t.dataset.views].map((x) => x.name), 1024);
    for (const s of t.subscriptions) expect(s.path).toBe(`projects/${opts.project}/subscriptions/${s.name}`);
  });

  it('partitions and clusters tables as the definition says', () => {
    const events = t.dataset.tables.find((x) => x.name === 'events')!;
    expect(events.timePartitioning).toMatchObject({ type: 'DAY', field: 'event_time' });
    const expected = pipeline.clusterBy ?? [...new Set(pipeline.aggregations.flatMap((a) => a.keyFields).filter((k) => !k.includes('.')))].slice(0, 4);
    expect(events.clustering).toEqual(expected);
    for (const c of events.clustering) expect(events.schema.map((f) => f.name)).toContain(c);
    const days = pipeline.retention.tables?.events;
    expect(events.timePartitioning.expirationMs).toBe(days === undefined ? undefined : days * 86_400_000);
    for (const a of pipeline.aggregations) {
      const panes = t.dataset.tables.find((x) => x.name === `${a.name}_panes`)!;
      expect(panes.timePartitioning.type).toBe('DAY');
      expect(panes.clustering).toEqual(['key']);
      const names = panes.schema.map((f) => f.name);
      expect(new Set(names).size).toBe(names.length);
      for (const k of a.keyFields) expect(names).toContain(k.replace(/\./g, '_'));
      for (const m of a.measures) expect(names).toContain(m.name);
    }
    for (const tb of t.dataset.tables) {
      const field = tb.schema.find((f) => f.name === tb.timePartitioning.field);
      expect(field?.type).toBe('TIMESTAMP');
      expect(field?.mode).toBe('REQUIRED');
    }
    expect(t.dataset.tables.map((x) => x.name).sort()).toEqual(
      ['events', 'dead_letter', 'late_data', 'schema_drift', ...pipeline.aggregations.map((a) => `${a.name}_panes`)].sort(),
    );
  });

  it('writes view SQL without QUALIFY, with fully qualified names, after its dependencies', () => {
    const seen = new Set(t.dataset.tables.map((x) => x.name));
    const ds = `\`${opts.project}.${t.dataset.id}.`;
    for (const v of t.dataset.views) {
      expect(v.sql).not.toMatch(/\bQUALIFY\b/i);
      expect(v.sql).not.toMatch(/\{\{|\}\}/);
      expect(v.sql).not.toMatch(/\bEXCEPT\s*\(/i);
      for (const d of v.dependsOn) {
        expect(seen.has(d)).toBe(true);
        expect(v.sql).toContain(`${ds}${d}\``);
      }
      expect(v.sql.split('(').length).toBe(v.sql.split(')').length);
      seen.add(v.name);
    }
    for (const a of pipeline.aggregations) {
      const v = t.dataset.views.find((x) => x.name === a.name)!;
      expect(v.role).toBe('latestPane');
      expect(v.sql).toMatch(/ROW_NUMBER\(\) OVER \(PARTITION BY `key`, `window_start`, `window_end` ORDER BY `pane_index` DESC/);
    }
    expect(t.dataset.views.filter((v) => v.role === 'dataMart').map((v) => v.name)).toEqual(pipeline.views.map((v) => v.name));
  });

  it('enforces uniform access and public access prevention; lifecycle follows retention; landing notifies files', () => {
    for (const b of Object.values(t.buckets)) {
      expect(b.uniformBucketLevelAccess).toBe(true);
      expect(b.publicAccessPrevention).toBe('enforced');
    }
    const r = pipeline.retention.rawArchive;
    const rules = t.buckets.rawArchive.lifecycleRules;
    const age = (type: string, cls?: string): number | undefined =>
      rules.find((x) => x.action.type === type && (cls === undefined || ('storageClass' in x.action && x.action.storageClass === cls)))?.condition.age;
    expect(age('SetStorageClass', 'NEARLINE')).toBe(r.nearlineAfterDays);
    expect(age('SetStorageClass', 'COLDLINE')).toBe(r.coldlineAfterDays);
    expect(age('Delete')).toBe(r.deleteAfterDays);
    expect(t.buckets.landing.notification).toMatchObject({ topicName: t.topics.files.name, eventTypes: ['OBJECT_FINALIZE'], payloadFormat: 'JSON_API_V1' });
    expect(t.buckets.rawArchive.notification).toBeUndefined();
  });

  it('labels everything with valid GCP labels', () => {
    const labelSets: Array<Record<string, string>> = [];
    JSON.parse(JSON.stringify(t), (k, v: unknown) => {
      if (k === 'labels') labelSets.push(v as Record<string, string>);
      return v;
    });
    expect(labelSets.length).toBeGreaterThan(20);
    for (const labels of labelSets) {
      expect(labels.pipeline).toBe(pipeline.name);
      for (const [k, v] of Object.entries(labels)) {
        expect(k).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
        expect(v).toMatch(/^[a-z0-9_-]{0,63}$/);
      }
    }
  });

  it('schedules a tick that decodes as a TickMessage for this pipeline', () => {
    const [job] = t.scheduler.jobs;
    expect(job!.topicName).toBe(t.topics.tick.name);
    expect(decodeTick(job!.data)).toEqual({ v: 1, kind: 'tick', pipeline: pipeline.name });
  });

  it('grants each function only what its stage touches', () => {
    const f = t.functions;
    expect(f.ingest.access.publishes).toEqual(['events', 'deadLetter']);
    expect(f.transform.access.publishes).toEqual(['keyed', 'deadLetter']);
    expect(f.aggregator.access.writesTables).toEqual([...pipeline.aggregations.map((a) => `${a.name}_panes`), 'late_data']);
    expect(f.deadletter.access).toMatchObject({ publishes: ['parking'], writesTables: ['dead_letter'], firestore: false });
    for (const fn of Object.values(f)) {
      expect(fn.access.publishes).not.toContain('raw');
      expect(fn.minInstances).toBe(0);
      expect(fn.env.SLUICE_STAGE).toBe(fn.stage);
      expect(fn.env.SLUICE_ENV).toBe(opts.env);
      for (const v of Object.values(fn.env)) expect(v).not.toMatch(/secret|key=/i);
      for (const tb of fn.access.writesTables) expect(t.dataset.tables.map((x) => x.name)).toContain(tb);
    }
    const secrets = pipeline.pii.flatMap((r) => (r.action === 'hash' ? [r.key.secret] : []));
    expect(f.transform.access.secrets).toEqual(secrets);
    expect(f.transform.secretEnv.map((s) => s.secret)).toEqual(secrets);
    expect(f.ingest.secretEnv).toEqual([]);
  });
});

describe('topologyFor', () => {
  it('local and cloud differ only in env', () => {
    const strip = (t: Topology): unknown =>
      JSON.parse(JSON.stringify(t), (k, v: unknown) => (k === 'env' || k === 'SLUICE_ENV' ? undefined : v));
    const local = topologyFor(clickstream, { project: 'sluice-local', region: 'us-central1', env: 'local' });
    const cloud = topologyFor(clickstream, { project: 'sluice-local', region: 'us-central1', env: 'cloud' });
    expect(local).not.toEqual(cloud);
    expect(strip(local)).toEqual(strip(cloud));
  });

  it('applies function overrides from the definition', () => {
    const t = topologyFor(clickstream, { project: 'sluice-local', region: 'us-central1', env: 'local' });
    expect(t.functions.transform.memoryMb).toBe(1024);
    expect(t.functions.ingest.memoryMb).toBe(512);
    expect(t.functions.ingest.concurrency).toBeGreaterThan(1);
    expect(t.functions.transform.concurrency).toBeGreaterThan(1);
  });

  it('writes dead_letter columns exactly as deadLetterRow produces them', () => {
    const t = topologyFor(iotSensors, { project: 'sluice-local', region: 'us-central1', env: 'local' });
    const table = t.dataset.tables.find((x) => x.name === 'dead_letter')!;
    const row = deadLetterRow(deadLetterOf({ stage: 'ingest', reason: 'r', message: 'm', raw: 'x', attempt: 1, at: 0 }));
    expect(Object.keys(row).sort()).toEqual(table.schema.map((c) => c.name).sort());
  });

  it.each([
    [{ project: 'Acme', region: 'us-central1', env: 'cloud' }, 'project'],
    [{ project: 'acme-prod', region: 'moon', env: 'cloud' }, 'region'],
    [{ project: 'acme-prod', region: 'us-central1', env: 'staging' }, 'env'],
    [{ project: 'acme-prod', region: 'us-central1', env: 'cloud', prefix: 'Dev' }, 'prefix'],
    [{ project: 'acme-prod', region: 'us-central1', env: 'cloud', prefix: 'much-too-long-prefix' }, 'prefix'],
  ])('rejects %j naming %s', (opts, variable) => {
    let caught: unknown;
    try {
      topologyFor(iotSensors, opts as TopologyOptions);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(variable);
  });
});

describe('pushEndpoint', () => {
  it('joins a base URL and a delivery path with exactly one slash', () => {
    expect(pushEndpoint('http://127.0.0.1:8081/', '/projects/p/topics/t')).toBe('http://127.0.0.1:8081/projects/p/topics/t');
    expect(pushEndpoint('https://fn-abc.a.run.app', '/projects/p/topics/t')).toBe('https://fn-abc.a.run.app/projects/p/topics/t');
  });
});

describe('fitName', () => {
  it('keeps names that fit and shortens others stably, distinctly and within the limit', () => {
    expect(fitName('iot-sensors', 'agg', 30)).toBe('iot-sensors-agg');
    const a = fitName('pr-123456789-abcdefghij-klmnopqrst-uvw', 'agg', 30);
    const b = fitName('pr-123456789-abcdefghij-klmnopqrst-uvx', 'agg', 30);
    expect(a.length).toBeLessThanOrEqual(30);
    expect(a).toMatch(/-agg$/);
    expect(a).not.toBe(b);
    expect(fitName('pr-123456789-abcdefghij-klmnopqrst-uvw', 'agg', 30)).toBe(a);
  });
});

describe('jsonSchemaToField', () => {
  it.each([
    [{ type: 'string' }, { type: 'STRING', mode: 'NULLABLE' }],
    [{ type: 'string', format: 'date-time' }, { type: 'TIMESTAMP', mode: 'NULLABLE' }],
    [{ type: 'string', format: 'date' }, { type: 'DATE', mode: 'NULLABLE' }],
    [{ type: ['integer', 'null'] }, { type: 'INTEGER', mode: 'NULLABLE' }],
    [{ type: ['number', 'integer'] }, { type: 'FLOAT', mode: 'NULLABLE' }],
    [{ type: 'boolean' }, { type: 'BOOLEAN', mode: 'NULLABLE' }],
    [{ enum: ['a', 'b'] }, { type: 'STRING', mode: 'NULLABLE' }],
    [{ type: 'array', items: { type: 'number' } }, { type: 'FLOAT', mode: 'REPEATED' }],
    [{ type: 'object' }, { type: 'STRING', mode: 'NULLABLE', description: 'JSON text' }],
    [{ type: ['string', 'number'] }, { type: 'STRING', mode: 'NULLABLE', description: 'JSON text' }],
    [{ type: 'array', items: { type: 'array', items: { type: 'string' } } }, { type: 'STRING', mode: 'NULLABLE', description: 'JSON text' }],
  ])('%j → %j', (schema, expected) => {
    expect(jsonSchemaToField('f', schema)).toEqual({ name: 'f', ...expected });
  });
  it('maps nested objects to RECORDs', () => {
    expect(jsonSchemaToField('geo', { type: 'object', properties: { lat: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } } } })).toEqual({
      name: 'geo',
      type: 'RECORD',
      mode: 'NULLABLE',
      fields: [
        { name: 'lat', type: 'FLOAT', mode: 'NULLABLE' },
        { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      ],
    });
  });
});

describe('deliveriesInFlight', () => {
  it('is the function concurrency in the cloud and the emulator push concurrency locally', () => {
    const cloud = topologyFor(iotSensors, { project: 'acme-data-prod', region: 'europe-west1', env: 'cloud' });
    const local = topologyFor(iotSensors, { project: 'sluice-local', region: 'us-central1', env: 'local' });
    expect(deliveriesInFlight(cloud, 'transform')).toBe(cloud.functions.transform.concurrency);
    expect(deliveriesInFlight(cloud, 'transform')).toBeGreaterThan(EMULATOR_PUSH_CONCURRENCY);
    expect(deliveriesInFlight(local, 'transform')).toBe(EMULATOR_PUSH_CONCURRENCY);
    expect(deliveriesInFlight(local, 'ingest')).toBe(EMULATOR_PUSH_CONCURRENCY);
  });
});

describe('reference data per deployment', () => {
  const withSides = (uris: string[]): AnyPipeline =>
    definePipeline({
      ...structuredClone({ ...iotSensors, filter: undefined, transform: undefined }),
      enrichment: uris.map((uri, i) => ({ ...iotSensors.enrichment[0]!, name: `side_${i}`, into: `side_${i}`, source: { kind: 'gcs', uri, format: 'ndjson' } })),
    } as never) as AnyPipeline;

  it('resolves gs://{{reference}}/… to the deployment\'s own bucket, which transform alone reads', () => {
    const p = withSides(['gs://{{reference}}/iot/devices.ndjson', 'gs://acme-shared-ref/sites.ndjson']);
    const dev = topologyFor(p, { project: 'acme-data-prod', region: 'europe-west1', env: 'cloud', prefix: 'dev' });
    const prod = topologyFor(p, { project: 'acme-data-prod', region: 'europe-west1', env: 'cloud' });
    expect(dev.buckets.reference.name).not.toBe(prod.buckets.reference.name);
    for (const t of [dev, prod]) {
      expect(t.sideInputs).toEqual([
        { name: 'side_0', kind: 'gcs', bucket: t.buckets.reference.name, object: 'iot/devices.ndjson' },
        { name: 'side_1', kind: 'gcs', bucket: 'acme-shared-ref', object: 'sites.ndjson' },
      ]);
      expect(t.buckets.reference).toMatchObject({ uniformBucketLevelAccess: true, publicAccessPrevention: 'enforced' });
      expect(t.functions.transform.access.buckets).toEqual([{ bucket: 'reference', access: 'read' }]);
      expect(t.functions.transform.access.externalObjects).toEqual([{ bucket: 'acme-shared-ref', object: 'sites.ndjson' }]);
      for (const s of ['ingest', 'aggregator', 'deadletter'] as const) expect(t.functions[s].access.buckets.some((b) => b.bucket === 'reference'), s).toBe(false);
    }
  });

  it('grants nothing on the reference bucket when no side input uses it', () => {
    const t = topologyFor(withSides(['gs://acme-shared-ref/sites.ndjson']), { project: 'acme-data-prod', region: 'europe-west1', env: 'cloud' });
    expect(t.functions.transform.access.buckets).toEqual([]);
  });

  it.each(['gs://{{reference}}', 'gs://{{other}}/x.ndjson', 'https://x/y.ndjson'])('refuses the side input uri %s', (uri) => {
    expect(() => withSides([uri])).toThrow(/gs:\/\/bucket\/object URI, or gs:\/\/\{\{reference\}\}\/object/);
  });
});
