import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAggregation } from '../../../shared/core/engine';
import { SpecError } from '../../../shared/core/errors';
import { definePipeline, isPipeline, type PipelineDefinition } from '../../../shared/pipeline';
import { clickstream, iotSensors, getPipeline, pipelineNames, pipelines, toolingPipelines } from '../../../pipelines';

/** A small valid definition every case below breaks in exactly one place. */
function base(): PipelineDefinition {
  return {
    name: 'test-pipe',
    source: {
      formats: ['json', 'csv'],
      csv: { header: true },
      eventId: { from: 'field', path: 'id' },
      eventTime: { from: 'field', path: 'ts', format: 'epochMs' },
    },
    schema: {
      type: 'object',
      required: ['id', 'ts', 'user'],
      properties: {
        id: { type: 'string' },
        ts: { type: 'integer' },
        user: { type: 'string' },
        email: { type: 'string' },
        amount: { type: ['number', 'null'] },
        tags: { type: 'array', items: { type: 'string' } },
        geo: { type: 'object', properties: { country: { type: 'string' } } },
      },
    },
    expectations: [{ id: 'amount_positive', kind: 'range', field: 'amount', min: 0 }],
    pii: [{ field: 'email', action: 'hash', key: { secret: 'pii-key' } }],
    enrichment: [
      {
        name: 'users',
        source: { kind: 'gcs', uri: 'gs://ref-data/users.json', format: 'json' },
        recordField: 'user',
        sideField: 'user_id',
        into: 'profile',
        fields: { tier: { type: 'string' } },
        ttl: '5m',
        onMissing: 'keep',
      },
    ],
    watermark: { maxOutOfOrderness: '10s', idleTimeout: '1m' },
    aggregations: [
      {
        name: 'per_user',
        keyFields: ['user'],
        window: { kind: 'fixed', size: '1m' },
        trigger: { kind: 'default' },
        allowedLateness: '0s',
        accumulation: 'DISCARDING',
        measures: [
          { name: 'n', kind: 'count' },
          { name: 'total', kind: 'sum', field: 'amount' },
        ],
        partitions: 2,
      },
      {
        name: 'per_country',
        keyFields: ['geo.country'],
        window: { kind: 'sliding', size: '5m', period: '1m' },
        trigger: { kind: 'afterWatermark', early: { kind: 'afterCount', count: 10 } },
        allowedLateness: '1m',
        accumulation: 'ACCUMULATING',
        measures: [{ name: 'users', kind: 'approxDistinct', field: 'user' }],
        partitions: 1,
      },
    ],
    retention: { rawArchive: { nearlineAfterDays: 30, coldlineAfterDays: 90, deleteAfterDays: 365 } },
    views: [{ name: 'mart', sql: 'SELECT user, n FROM {{per_user}}' }],
  };
}

type Def = ReturnType<typeof base> & Record<string, unknown>;
/* eslint-disable @typescript-eslint/no-explicit-any */
type Mutate = (d: any) => void;

const cases: Array<[string, Mutate, string, RegExp]> = [
  // name
  ['name missing', (d) => delete d.name, 'name', /required/],
  ['name with capitals', (d) => (d.name = 'MyPipe'), 'name', /lowercase letter.*GCP resource names\); got "MyPipe"/],
  ['name too short', (d) => (d.name = 'ab'), 'name', /3–24 characters/],
  ['name with double hyphen', (d) => (d.name = 'a--b'), 'name', /single '-'/],
  ['name ending in hyphen', (d) => (d.name = 'abc-'), 'name', /single '-'/],
  ['unknown top-level property', (d) => (d.aggregation = []), 'aggregation', /not a known property; did you mean 'aggregations'\?/],
  // source
  ['no formats', (d) => (d.source.formats = []), 'source.formats', /at least 1 item/],
  ['unknown format', (d) => (d.source.formats = ['xml']), 'source.formats[0]', /one of 'json', 'ndjson', 'csv', 'cdc-debezium'; got "xml"/],
  ['csv without csv options', (d) => delete d.source.csv, 'source.csv', /required when formats include 'csv'/],
  ['csv options without csv', (d) => (d.source.formats = ['json']), 'source.csv', /only applies when formats include 'csv'/],
  ['headerless csv without columns', (d) => (d.source.csv = { header: false }), 'source.csv.columns', /required when header is false/],
  ['csv column not in schema', (d) => (d.source.csv = { header: false, columns: ['id', 'nope'] }), 'source.csv.columns[1]', /'nope' is not a field/],
  ['two-char delimiter', (d) => (d.source.csv = { header: true, delimiter: ';;' }), 'source.csv.delimiter', /exactly one character/],
  ['eventId missing', (d) => delete d.source.eventId, 'source.eventId', /required — say where the event id comes from/],
  ['eventId unknown from', (d) => (d.source.eventId = { from: 'uuid' }), 'source.eventId.from', /one of 'attribute', 'field', 'contentHash', 'cdcPosition'; got "uuid"/],
  ['eventId field unknown', (d) => (d.source.eventId = { from: 'field', path: 'idd' }), 'source.eventId.path', /'idd' is not a field.*did you mean 'id'\?/],
  ['eventTime without format', (d) => (d.source.eventTime = { from: 'field', path: 'ts' }), 'source.eventTime.format', /required/],
  ['eventTime rfc3339 on number', (d) => (d.source.eventTime = { from: 'field', path: 'ts', format: 'rfc3339' }), 'source.eventTime.path', /rfc3339' needs a string field/],
  ['eventTime epoch on string', (d) => (d.source.eventTime = { from: 'field', path: 'user', format: 'epochS' }), 'source.eventTime.path', /epochS' needs a number field/],
  ['cdcTimestamp without cdc format', (d) => (d.source.eventTime = { from: 'cdcTimestamp' }), 'source.eventTime.from', /only when formats include 'cdc-debezium'/],
  ['cdcPosition without cdc format', (d) => (d.source.eventId = { from: 'cdcPosition' }), 'source.eventId.from', /only when formats include 'cdc-debezium'/],
  // schema
  ['schema not an object type', (d) => (d.schema = { type: 'array', properties: { a: {} } }), 'schema.type', /type 'object'/],
  ['schema without properties', (d) => (d.schema = { type: 'object', properties: {} }), 'schema.properties', /declare the record fields/],
  ['schema with a misspelt keyword', (d) => (d.schema.properties.id = { type: 'string', minLenght: 1 }), 'schema', /valid JSON Schema.*minLenght/],
  ['schema keyword with a wrong value', (d) => (d.schema.properties.id = { type: 'string', minLength: 'x' }), 'schema.properties.id.minLength', /valid JSON Schema \(draft 2020-12\): must be a whole number; got "x"/],
  ['schema with an unknown type', (d) => (d.schema.properties.id = { type: 'text' }), 'schema.properties.id.type', /valid JSON Schema/],
  ['field that is not a column name', (d) => (d.schema.properties['user-name'] = { type: 'string' }), 'schema.properties["user-name"]', /valid BigQuery column names/],
  ['field colliding with a system column', (d) => (d.schema.properties.event_time = { type: 'string' }), 'schema.properties.event_time', /column sluice adds/],
  // expectations
  ['duplicate expectation id', (d) => d.expectations.push({ id: 'amount_positive', kind: 'notNull', field: 'user' }), 'expectations[1].id', /already used by expectations\[0\]/],
  ['expectation id not an identifier', (d) => (d.expectations[0].id = 'Amount Positive'), 'expectations[0].id', /lower_snake_case/],
  ['range without bounds', (d) => (d.expectations = [{ id: 'r', kind: 'range', field: 'amount' }]), 'expectations[0]', /needs min, max or both/],
  ['range min > max', (d) => (d.expectations = [{ id: 'r', kind: 'range', field: 'amount', min: 5, max: 1 }]), 'expectations[0].min', /min must be ≤ max/],
  ['range on a string field', (d) => (d.expectations = [{ id: 'r', kind: 'range', field: 'user', min: 0 }]), 'expectations[0].field', /needs a number field/],
  ['bad regex', (d) => (d.expectations = [{ id: 'r', kind: 'regex', field: 'user', pattern: '([a-z' }]), 'expectations[0].pattern', /valid regular expression/],
  ['allowedValues empty', (d) => (d.expectations = [{ id: 'r', kind: 'allowedValues', field: 'user', values: [] }]), 'expectations[0].values', /at least 1 item/],
  ['maxAge with a bad duration', (d) => (d.expectations = [{ id: 'r', kind: 'maxAge', maxAge: '7 days' }]), 'expectations[0].maxAge', /must be a duration.*got "7 days"/],
  ['expectation on unknown field', (d) => (d.expectations = [{ id: 'r', kind: 'notNull', field: 'geo.city' }]), 'expectations[0].field', /'geo.city' is not a field/],
  // PII
  ['hash without key', (d) => (d.pii = [{ field: 'email', action: 'hash' }]), 'pii[0].key', /required — hashing is a keyed HMAC/],
  ['hash with a literal key', (d) => (d.pii = [{ field: 'email', action: 'hash', key: 's3cr3t-literal' }]), 'pii[0].key', /must name a secret.*never hold a literal key; got "s3cr3t/],
  ['hash key object carrying a value', (d) => (d.pii = [{ field: 'email', action: 'hash', key: { secret: 'k', value: 'abc' } }]), 'pii[0].key.value', /not a known property.*never hold a literal key/],
  ['unknown PII action', (d) => (d.pii = [{ field: 'email', action: 'encrypt' }]), 'pii[0].action', /one of 'drop', 'hash', 'mask'/],
  ['mask without strategy', (d) => (d.pii = [{ field: 'email', action: 'mask' }]), 'pii[0].strategy', /required/],
  ['mask on a number', (d) => (d.pii = [{ field: 'ts', action: 'mask', strategy: 'full' }]), 'pii[0].field', /mask applies to string fields/],
  ['two rules for one field', (d) => d.pii.push({ field: 'email', action: 'drop' }), 'pii[1].field', /already has a PII rule/],
  ['dropping the event-id field', (d) => (d.pii = [{ field: 'id', action: 'drop' }]), 'source.eventId.path', /dropped as PII/],
  ['keying on a dropped field', (d) => (d.pii = [{ field: 'user', action: 'drop' }]), 'enrichment[0].recordField', /'user' is not a field of the record after PII/],
  // enrichment
  ['enrichment without ttl', (d) => delete d.enrichment[0].ttl, 'enrichment[0].ttl', /required — side inputs are cached/],
  ['enrichment bad uri', (d) => (d.enrichment[0].source.uri = 'https://x/y.json'), 'enrichment[0].source.uri', /gs:\/\/bucket\/object/],
  ['enrichment into an existing field', (d) => (d.enrichment[0].into = 'user'), 'enrichment[0].into', /already a field of the record schema/],
  ['enrichment field without type', (d) => (d.enrichment[0].fields = { tier: {} }), 'enrichment[0].fields.tier', /declare the side field's type/],
  ['enrichment query with unknown table', (d) => (d.enrichment[0].source = { kind: 'bigquery', query: 'SELECT * FROM {{users}}' }), 'enrichment[0].source.query', /unknown table \{\{users\}\}/],
  // aggregations
  ['allowedLateness missing', (d) => delete d.aggregations[1].allowedLateness, 'aggregations[1].allowedLateness', /required — allowed lateness has no default; use '0s' for none/],
  ['accumulation missing', (d) => delete d.aggregations[0].accumulation, 'aggregations[0].accumulation', /required — accumulation has no default/],
  ['accumulation lowercase', (d) => (d.aggregations[0].accumulation = 'discarding'), 'aggregations[0].accumulation', /one of 'DISCARDING', 'ACCUMULATING'/],
  ['partitions missing', (d) => delete d.aggregations[0].partitions, 'aggregations[0].partitions', /required — partitions has no default/],
  ['partitions zero', (d) => (d.aggregations[0].partitions = 0), 'aggregations[0].partitions', /whole number in 1..1000; got 0/],
  ['partitions fractional', (d) => (d.aggregations[0].partitions = 2.5), 'aggregations[0].partitions', /whole number in 1..1000; got 2.5/],
  ['misspelt allowedLateness', (d) => { d.aggregations[0].allowedLatenes = '1m'; }, 'aggregations[0].allowedLatenes', /did you mean 'allowedLateness'\?/],
  ['window kind unknown', (d) => (d.aggregations[0].window = { kind: 'tumbling', size: '1m' }), 'aggregations[0].window.kind', /one of 'fixed', 'sliding', 'sessions', 'global'; got "tumbling"/],
  ['fixed window without size', (d) => (d.aggregations[0].window = { kind: 'fixed' }), 'aggregations[0].window.size', /required/],
  ['window size not a duration', (d) => (d.aggregations[0].window.size = '1 minute'), 'aggregations[0].window.size', /must be a duration/],
  ['negative window size', (d) => (d.aggregations[0].window.size = -5), 'aggregations[0].window.size', /must be a duration.*got -5/],
  ['sessions with size', (d) => (d.aggregations[0].window = { kind: 'sessions', gap: '30m', size: '1h' }), 'aggregations[0].window.size', /not a known property/],
  ['nested trigger unknown', (d) => (d.aggregations[1].trigger.early = { kind: 'afterElements', count: 3 }), 'aggregations[1].trigger.early.kind', /one of 'default', 'afterWatermark'/],
  ['afterCount zero', (d) => (d.aggregations[0].trigger = { kind: 'afterCount', count: 0 }), 'aggregations[0].trigger.count', /must be >= 1; got 0/],
  ['afterEach without triggers', (d) => (d.aggregations[0].trigger = { kind: 'afterEach', triggers: [] }), 'aggregations[0].trigger.triggers', /at least 1 item/],
  ['global window with default trigger', (d) => (d.aggregations[0].window = { kind: 'global' }), 'aggregations[0].trigger', /global window never ends/],
  ['duplicate aggregation name', (d) => (d.aggregations[1].name = 'per_user'), 'aggregations[1].name', /already used by aggregations\[0\]/],
  ['aggregation named like a system table', (d) => (d.aggregations[0].name = 'events'), 'aggregations[0].name', /table every pipeline has/],
  ['aggregation name with a hyphen', (d) => (d.aggregations[0].name = 'per-user'), 'aggregations[0].name', /lower_snake_case/],
  ['no key fields', (d) => (d.aggregations[0].keyFields = []), 'aggregations[0].keyFields', /at least 1 item/],
  ['key field unknown', (d) => (d.aggregations[0].keyFields = ['usr']), 'aggregations[0].keyFields[0]', /'usr' is not a field.*did you mean 'user'\?/],
  ['key field not scalar', (d) => (d.aggregations[0].keyFields = ['tags']), 'aggregations[0].keyFields[0]', /strings, numbers or booleans; 'tags' is array/],
  ['no measures', (d) => (d.aggregations[0].measures = []), 'aggregations[0].measures', /at least 1 item/],
  ['measure kind unknown', (d) => (d.aggregations[0].measures = [{ name: 'x', kind: 'median', field: 'amount' }]), 'aggregations[0].measures[0].kind', /one of 'count', 'sum'/],
  ['sum without field', (d) => (d.aggregations[0].measures = [{ name: 'x', kind: 'sum' }]), 'aggregations[0].measures[0].field', /required/],
  ['sum of a string', (d) => (d.aggregations[0].measures = [{ name: 'x', kind: 'sum', field: 'user' }]), 'aggregations[0].measures[0].field', /sum needs a number field/],
  ['quantile out of range', (d) => (d.aggregations[0].measures = [{ name: 'q', kind: 'approxQuantiles', field: 'amount', quantiles: [0.5, 1.5] }]), 'aggregations[0].measures[0].quantiles[1]', /quantiles must lie in \[0, 1\]/],
  ['HLL precision too high', (d) => (d.aggregations[1].measures[0].precision = 20), 'aggregations[1].measures[0].precision', /4..16/],
  ['duplicate measure names', (d) => d.aggregations[0].measures.push({ name: 'n', kind: 'count' }), 'aggregations[0].measures[2].name', /already used/],
  ['measure named like a pane column', (d) => (d.aggregations[0].measures[0].name = 'window_start'), 'aggregations[0].measures[0].name', /collides with a pane column/],
  ['measure on the hashed email is not numeric', (d) => (d.aggregations[0].measures = [{ name: 'x', kind: 'mean', field: 'email' }]), 'aggregations[0].measures[0].field', /mean needs a number field/],
  // Rules only the core knows (definePipeline compiles each aggregation as the aggregator does)
  ['sliding period longer than its size', (d) => (d.aggregations[1].window = { kind: 'sliding', size: '1m', period: '5m' }), 'aggregations[1].window.period', /0 < period ≤ size/],
  ['fixed offset not below its size', (d) => (d.aggregations[0].window = { kind: 'fixed', size: '1m', offset: '2m' }), 'aggregations[0].window.offset', /0 ≤ offset < size/],
  ['session gap of zero', (d) => (d.aggregations[0].window = { kind: 'sessions', gap: '0s' }), 'aggregations[0].window.gap', /> 0; got 0/],
  ['watermark missing', (d) => delete d.watermark, 'watermark', /required when there are aggregations.*no default/],
  ['watermark idleTimeout missing', (d) => delete d.watermark.idleTimeout, 'watermark.idleTimeout', /required — after how much quiet/],
  // retention
  ['retention missing', (d) => delete d.retention, 'retention', /required — retention has no default/],
  ['coldline before nearline', (d) => (d.retention.rawArchive = { nearlineAfterDays: 90, coldlineAfterDays: 30 }), 'retention.rawArchive.coldlineAfterDays', /greater than nearlineAfterDays \(90\); got 30/],
  ['delete before coldline', (d) => (d.retention.rawArchive.deleteAfterDays = 60), 'retention.rawArchive.deleteAfterDays', /greater than the storage-class steps \(90 days\); got 60/],
  ['retention days zero', (d) => (d.retention.tables = { events: 0 }), 'retention.tables.events', /must be >= 1; got 0/],
  // views
  ['view not a select', (d) => (d.views[0].sql = 'DELETE FROM {{events}}'), 'views[0].sql', /single SELECT/],
  ['view with two statements', (d) => (d.views[0].sql = 'SELECT 1 FROM {{events}}; DROP TABLE x'), 'views[0].sql', /single statement/],
  ['view with unknown table', (d) => (d.views[0].sql = 'SELECT * FROM {{per_usr}}'), 'views[0].sql', /unknown table \{\{per_usr\}\}; did you mean \{\{per_user\}\}\?/],
  ['view with a hard-coded table', (d) => (d.views[0].sql = 'SELECT * FROM `proj.ds.events`'), 'views[0].sql', /placeholders/],
  ['view named like an aggregation', (d) => (d.views[0].name = 'per_user'), 'views[0].name', /already a table or view/],
  // other
  ['clusterBy a nested field', (d) => (d.clusterBy = ['geo']), 'clusterBy[0]', /must be scalar/],
  ['clusterBy unknown column', (d) => (d.clusterBy = ['nope']), 'clusterBy[0]', /not a top-level column/],
  ['transform not a function', (d) => (d.transform = 'x => x'), 'transform', /must be a function/],
  ['derived fields without transform', (d) => (d.derivedFields = { extra: { type: 'string' } }), 'derivedFields', /declare a transform function/],
  ['function memory not allowed', (d) => (d.functions = { ingest: { memoryMb: 300 } }), 'functions.ingest.memoryMb', /one of 256, 512/],
  ['schemaDrift unknown policy', (d) => (d.schemaDrift = { unknownFields: 'ignore', typeChanges: 'record' }), 'schemaDrift.unknownFields', /one of 'keep', 'deadLetter'/],
];

describe('definePipeline', () => {
  it('accepts the base definition and fills only non-time defaults', () => {
    const p = definePipeline(base());
    expect(p.schemaDrift).toEqual({ unknownFields: 'keep', typeChanges: 'record' });
    expect(p.expectations[0]!.severity).toBe('error');
    expect(p.aggregations[0]!.allowedLateness).toBe('0s');
    expect(Object.isFrozen(p.aggregations[0]!.window)).toBe(true);
    expect(isPipeline(p)).toBe(true);
    expect(isPipeline(structuredClone({ ...p }))).toBe(false);
  });

  it('copies the definition, so later mutation of the input does not leak in', () => {
    const d = base();
    const p = definePipeline(d);
    d.aggregations[0]!.partitions = 99;
    expect(p.aggregations[0]!.partitions).toBe(2);
  });

  it.each(cases)('rejects %s', (_label, mutate, path, rule) => {
    const d = base() as Def;
    mutate(d);
    let caught: unknown;
    try {
      definePipeline(d);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpecError);
    const e = caught as SpecError;
    expect(e.path).toBe(path);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
    expect(e.message).toMatch(rule);
  });

  it('accepts exactly the aggregations the core compiles (random windows, triggers, lateness)', () => {
    const dur = fc.oneof(fc.constantFrom('0s', '1s', '30s', '1m', '5m', '1h'), fc.integer({ min: -1000, max: 600_000 }));
    const window = fc.oneof(
      fc.record({ kind: fc.constant('fixed'), size: dur, offset: fc.option(dur, { nil: undefined }) }),
      fc.record({ kind: fc.constant('sliding'), size: dur, period: dur, offset: fc.option(dur, { nil: undefined }) }),
      fc.record({ kind: fc.constant('sessions'), gap: dur }),
      fc.record({ kind: fc.constant('global') }),
    );
    const leaf = fc.oneof(
      fc.record({ kind: fc.constant('afterCount'), count: fc.integer({ min: -1, max: 5 }) }),
      fc.record({ kind: fc.constant('afterProcessingTime'), delay: dur }),
      fc.constant({ kind: 'afterWatermark' }),
      fc.constant({ kind: 'never' }),
    );
    const trigger = fc.oneof(
      fc.constant({ kind: 'default' }),
      leaf,
      fc.record({ kind: fc.constant('repeatedly'), trigger: leaf }),
      fc.record({ kind: fc.constantFrom('afterAny', 'afterAll', 'afterEach'), triggers: fc.array(leaf, { minLength: 0, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('orFinally'), main: leaf, until: leaf }),
      fc.record({ kind: fc.constant('afterWatermark'), early: leaf, late: leaf }),
    );
    fc.assert(
      fc.property(window, trigger, dur, fc.constantFrom('DISCARDING', 'ACCUMULATING'), (w, t, lateness, accumulation) => {
        const d = base() as Def;
        const agg = d.aggregations[0]!;
        Object.assign(agg, { window: JSON.parse(JSON.stringify(w)), trigger: t, allowedLateness: lateness, accumulation });
        let core: unknown;
        try {
          compileAggregation(agg, 'aggregations[0]');
        } catch (err) {
          core = err;
        }
        let defined: unknown;
        try {
          definePipeline(d);
        } catch (err) {
          defined = err;
        }
        // The pipeline adds one rule of its own: a global window needs a trigger that fires before the end of time.
        const globalNeverFires = defined instanceof SpecError && /global window never ends/.test(defined.message);
        if (core !== undefined) expect(defined, `the core refuses: ${String(core)}`).toBeInstanceOf(SpecError);
        else expect(defined === undefined || globalNeverFires, `the core compiles it, definePipeline says: ${String(defined)}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never echoes more than 40 characters of a rejected value', () => {
    const d = base() as Def;
    (d.pii as unknown[]) = [{ field: 'email', action: 'hash', key: 'k'.repeat(500) }];
    expect(() => definePipeline(d)).toThrow(/"k{40}"…/);
  });

  it('keeps user functions callable', () => {
    const d = { ...base(), filter: (r: Record<string, unknown>) => r.user !== 'bot' };
    const p = definePipeline(d);
    expect(p.filter?.({ user: 'bot' }, { pipeline: 'x', eventId: 'e', eventTime: 0, ingestTime: 0, attributes: {} })).toBe(false);
  });
});

describe('example pipelines', () => {
  it.each([iotSensors, clickstream])('$name loads and is registered', (p) => {
    expect(getPipeline(p.name)).toBe(p);
    expect(p.aggregations.length).toBeGreaterThan(0);
  });

  it('lists the registered pipelines, sorted and unique, each under its own name', () => {
    const names = pipelineNames();
    expect(names).toEqual([...new Set(names)].sort());
    expect(names).toEqual(Object.keys(pipelines).sort());
    for (const name of names) {
      expect(getPipeline(name), name).toBe(pipelines[name]);
      expect(getPipeline(name).name).toBe(name);
    }
    expect(names).toEqual(expect.arrayContaining([iotSensors.name, clickstream.name]));
  });

  it('resolves tooling pipelines by name without listing them', () => {
    const tooling = Object.keys(toolingPipelines);
    expect(tooling.length).toBeGreaterThan(0);
    for (const name of tooling) {
      expect(getPipeline(name).name).toBe(name);
      expect(pipelineNames()).not.toContain(name);
    }
  });

  it('rejects unknown names, naming the variable and the known pipelines', () => {
    expect(() => getPipeline('nope')).toThrow(`SLUICE_PIPELINE: unknown pipeline 'nope'; known: ${pipelineNames().join(', ')}`);
    expect(() => getPipeline('constructor')).toThrow(/unknown pipeline 'constructor'/);
  });

  it('iot-sensors: fixed 1m windows with early firings, lateness and quantiles', () => {
    const a = iotSensors.aggregations[0]!;
    expect(a.window).toEqual({ kind: 'fixed', size: '1m' });
    expect(a.trigger.kind).toBe('afterWatermark');
    expect(a.measures.map((m) => m.kind)).toEqual(expect.arrayContaining(['count', 'mean', 'min', 'max', 'approxQuantiles']));
    expect(iotSensors.pii).toEqual([]);
    expect(iotSensors.enrichment[0]!.into).toBe('device');
  });

  it('clickstream: sessions, sliding page counts, hashed email, masked ip, a transform', () => {
    expect(clickstream.aggregations.map((a) => a.window.kind)).toEqual(['sessions', 'sliding']);
    expect(clickstream.pii.map((r) => [r.field, r.action])).toEqual([
      ['user_email', 'hash'],
      ['ip', 'mask'],
    ]);
    const ctx = { pipeline: 'clickstream', eventId: 'e', eventTime: 0, ingestTime: 0, attributes: {} };
    const rec = { user_email: 'h', event_type: 'click', page: '/shop/shoes', ip: '1.2.3.0', client_ts: 1 } as const;
    expect(clickstream.transform?.({ ...rec }, ctx).page_section).toBe('shop');
    expect(clickstream.filter?.({ ...rec, user_agent: 'Googlebot/2.1' }, ctx)).toBe(false);
  });
});
