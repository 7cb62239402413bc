/**
 * The JSON Schema of a pipeline definition (its data part; user functions are checked apart).
 * `x-rule` annotates a keyword with the rule a human reads when it fails; `x-required` on a
 * property says why it is required and what to write. Semantic rules that cross fields (a key
 * field must exist in the record schema, names must be unique, …) live in `validate-definition.ts`.
 */

/** A JSON Schema object as ajv takes it. */
type Schema = Record<string, unknown>;

/** Identifiers used as BigQuery table/column names, Firestore ids and ordering-key parts. */
export const IDENTIFIER_PATTERN = '^[a-z][a-z0-9_]{0,39}$';

/**
 * The bucket name a GCS side input's uri uses for the deployment's own reference-data bucket
 * (`gs://{{reference}}/iot/devices.ndjson`); the topology resolves it per deployment.
 */
export const REFERENCE_BUCKET_PLACEHOLDER = '{{reference}}';
const REFERENCE_BUCKET_PLACEHOLDER_URI = `gs://${REFERENCE_BUCKET_PLACEHOLDER}/`;
const IDENTIFIER_RULE = "must be a lower_snake_case identifier: a letter, then letters, digits or '_', at most 40 characters";

/** Pipeline names appear in topic, bucket, function and service-account names. */
export const PIPELINE_NAME_PATTERN = '^(?=.{3,24}$)[a-z][a-z0-9]*(-[a-z0-9]+)*$';
const PIPELINE_NAME_RULE =
  "must be 3–24 characters: a lowercase letter, then lowercase letters, digits and single '-' between them (it is used in GCP resource names)";

/** Dotted field paths into a record: `device_id`, `geo.country`. */
const FIELD_PATH_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$';
const FIELD_PATH_RULE = "must be a dotted field path such as 'device_id' or 'geo.country'";

const DURATION_RULE =
  "must be a duration: '250ms', '30s', '5m', '1h', '2d', whole milliseconds ≥ 0, or an object such as {minutes: 5}";

const identifier = (rule = IDENTIFIER_RULE): Schema => ({ type: 'string', pattern: IDENTIFIER_PATTERN, 'x-rule': rule });
const fieldPath = (): Schema => ({ type: 'string', pattern: FIELD_PATH_PATTERN, 'x-rule': FIELD_PATH_RULE });
/**
 * The shape of `DurationInput` (see `duration-shape.ts`, which checks the same at runtime): a
 * `'30s'`-style string, whole milliseconds ≥ 0, or a non-empty `{days, hours, minutes, seconds, millis}`.
 */
const nonNegative = { type: 'number', minimum: 0 };
export const durationSchema: Schema = {
  anyOf: [
    { type: 'string', pattern: '^\\d+(ms|s|m|h|d)$' },
    { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: { days: nonNegative, hours: nonNegative, minutes: nonNegative, seconds: nonNegative, millis: nonNegative },
    },
  ],
  'x-rule': DURATION_RULE,
};
/** Durations share one subschema (and so one generated validator function). */
const duration = (): Schema => ({ $ref: '#/$defs/duration' });
const posInt = (max?: number): Schema => ({ type: 'integer', minimum: 1, ...(max === undefined ? {} : { maximum: max }) });
const days = (): Schema => posInt(36_500);

/** An object whose properties are all listed; unknown properties are typos. */
function obj(properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema {
  return { type: 'object', properties, required, additionalProperties: false, ...extra };
}

/** A oneOf over object shapes keyed by a tag property (`kind`, `from`, `action`), with clean errors. */
function tagged(tag: string, branches: Schema[], extra: Schema = {}): Schema {
  return { type: 'object', discriminator: { propertyName: tag }, required: [tag], oneOf: branches, ...extra };
}

const windowSchema: Schema = tagged('kind', [
  obj({ kind: { const: 'fixed' }, size: duration(), offset: duration() }, ['kind', 'size']),
  obj({ kind: { const: 'sliding' }, size: duration(), period: duration(), offset: duration() }, ['kind', 'size', 'period']),
  obj({ kind: { const: 'sessions' }, gap: duration() }, ['kind', 'gap']),
  obj({ kind: { const: 'global' } }, ['kind']),
]);

const triggerRef: Schema = { $ref: '#/$defs/trigger' };
const triggerList: Schema = { type: 'array', items: triggerRef, minItems: 1 };
const triggerSchema: Schema = tagged('kind', [
  obj({ kind: { const: 'default' } }, ['kind']),
  obj({ kind: { const: 'afterWatermark' }, early: triggerRef, late: triggerRef }, ['kind']),
  obj({ kind: { const: 'afterCount' }, count: posInt() }, ['kind', 'count']),
  obj(
    { kind: { const: 'afterProcessingTime' }, delay: duration(), alignTo: duration(), alignOffset: duration() },
    ['kind', 'delay'],
  ),
  obj({ kind: { const: 'repeatedly' }, trigger: triggerRef }, ['kind', 'trigger']),
  obj({ kind: { const: 'afterEach' }, triggers: triggerList }, ['kind', 'triggers']),
  obj({ kind: { enum: ['afterFirst', 'afterAny'] }, triggers: triggerList }, ['kind', 'triggers']),
  obj({ kind: { const: 'afterAll' }, triggers: triggerList }, ['kind', 'triggers']),
  obj({ kind: { const: 'orFinally' }, main: triggerRef, until: triggerRef }, ['kind', 'main', 'until']),
  obj({ kind: { const: 'never' } }, ['kind']),
]);

const measureSchema: Schema = tagged('kind', [
  obj({ name: identifier(), kind: { const: 'count' } }, ['name', 'kind']),
  obj({ name: identifier(), kind: { enum: ['sum', 'min', 'max', 'mean', 'latest'] }, field: fieldPath() }, ['name', 'kind', 'field']),
  obj(
    {
      name: identifier(),
      kind: { const: 'approxDistinct' },
      field: fieldPath(),
      precision: { type: 'integer', minimum: 4, maximum: 16, 'x-rule': 'HyperLogLog precision must be a whole number in 4..16' },
    },
    ['name', 'kind', 'field'],
  ),
  obj(
    {
      name: identifier(),
      kind: { const: 'approxQuantiles' },
      field: fieldPath(),
      quantiles: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'number', minimum: 0, maximum: 1, 'x-rule': 'quantiles must lie in [0, 1]' },
      },
      accuracy: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, 'x-rule': 'accuracy must lie in (0, 1)' },
    },
    ['name', 'kind', 'field', 'quantiles'],
  ),
  obj({ name: identifier(), kind: { const: 'topK' }, field: fieldPath(), k: posInt(1000) }, ['name', 'kind', 'field', 'k']),
]);

const timeFormat: Schema = { enum: ['epochMs', 'epochS', 'rfc3339'] };

const sourceSchema: Schema = obj(
  {
    formats: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: ['json', 'ndjson', 'csv', 'cdc-debezium'] },
    },
    csv: obj(
      {
        header: { type: 'boolean' },
        columns: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
        delimiter: { type: 'string', minLength: 1, maxLength: 1, 'x-rule': 'delimiter must be exactly one character' },
      },
      ['header'],
      { 'x-required-hints': { header: 'say whether the first line is a header (true) or give columns with header: false' } },
    ),
    eventId: tagged('from', [
      obj({ from: { const: 'attribute' }, name: { type: 'string', minLength: 1 }, fallback: { const: 'contentHash' } }, ['from', 'name']),
      obj({ from: { const: 'field' }, path: fieldPath(), fallback: { const: 'contentHash' } }, ['from', 'path']),
      obj({ from: { const: 'contentHash' } }, ['from']),
      obj({ from: { const: 'cdcPosition' } }, ['from']),
    ]),
    eventTime: tagged('from', [
      obj(
        { from: { const: 'attribute' }, name: { type: 'string', minLength: 1 }, format: timeFormat, fallback: { const: 'publishTime' } },
        ['from', 'name', 'format'],
      ),
      obj({ from: { const: 'field' }, path: fieldPath(), format: timeFormat, fallback: { const: 'publishTime' } }, ['from', 'path', 'format']),
      obj({ from: { const: 'publishTime' } }, ['from']),
      obj({ from: { const: 'cdcTimestamp' } }, ['from']),
    ]),
  },
  ['formats', 'eventId', 'eventTime'],
  {
    'x-required-hints': {
      eventId: "say where the event id comes from: {from: 'attribute', name}, {from: 'field', path} or {from: 'contentHash'}",
      eventTime:
        "say where event time comes from: {from: 'field', path, format}, {from: 'attribute', name, format} or {from: 'publishTime'}",
    },
  },
);

const expectationBase = { id: identifier("expectation ids must be lower_snake_case identifiers (they name metrics and dead-letter reasons)"), severity: { enum: ['error', 'warn'] } };
const expectationSchema: Schema = tagged('kind', [
  obj({ ...expectationBase, kind: { const: 'notNull' }, field: fieldPath() }, ['id', 'kind', 'field']),
  obj(
    {
      ...expectationBase,
      kind: { const: 'range' },
      field: fieldPath(),
      min: { type: 'number' },
      max: { type: 'number' },
      exclusiveMin: { type: 'boolean' },
      exclusiveMax: { type: 'boolean' },
    },
    ['id', 'kind', 'field'],
    { anyOf: [{ required: ['min'] }, { required: ['max'] }], 'x-rule': 'a range expectation needs min, max or both' },
  ),
  obj(
    { ...expectationBase, kind: { const: 'regex' }, field: fieldPath(), pattern: { type: 'string', minLength: 1 }, flags: { type: 'string', pattern: '^[imsu]*$', 'x-rule': "regex flags may only be 'i', 'm', 's' and 'u'" } },
    ['id', 'kind', 'field', 'pattern'],
  ),
  obj(
    {
      ...expectationBase,
      kind: { const: 'allowedValues' },
      field: fieldPath(),
      values: { type: 'array', minItems: 1, uniqueItems: true, items: { type: ['string', 'number', 'boolean'] } },
    },
    ['id', 'kind', 'field', 'values'],
  ),
  obj(
    { ...expectationBase, kind: { const: 'length' }, field: fieldPath(), min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } },
    ['id', 'kind', 'field'],
    { anyOf: [{ required: ['min'] }, { required: ['max'] }], 'x-rule': 'a length expectation needs min, max or both' },
  ),
  obj({ ...expectationBase, kind: { const: 'maxAge' }, field: fieldPath(), maxAge: duration(), maxFuture: duration() }, ['id', 'kind', 'maxAge']),
]);

const secretRef: Schema = obj(
  {
    secret: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]{1,255}$',
      'x-rule': 'must be a Secret Manager secret id (letters, digits, - and _)',
    },
  },
  ['secret'],
  { 'x-rule': "must name a secret ({secret: 'my-hmac-key'}), never hold a literal key" },
);

const piiSchema: Schema = tagged('action', [
  obj({ field: fieldPath(), action: { const: 'drop' } }, ['field', 'action']),
  obj({ field: fieldPath(), action: { const: 'hash' }, key: secretRef }, ['field', 'action', 'key'], {
    'x-required-hints': { key: "hashing is a keyed HMAC: name the secret holding the key, e.g. key: {secret: 'pii-hmac-key'}" },
  }),
  obj({ field: fieldPath(), action: { const: 'mask' }, strategy: { enum: ['full', 'keepLast4', 'emailDomain', 'ipPrefix'] } }, [
    'field',
    'action',
    'strategy',
  ]),
]);

const enrichmentSchema: Schema = obj(
  {
    name: identifier(),
    source: tagged('kind', [
      obj(
        {
          kind: { const: 'gcs' },
          uri: {
            type: 'string',
            pattern: '^gs://(\\{\\{reference\\}\\}|[a-z0-9][a-z0-9._-]{1,220}[a-z0-9])/.+$',
            'x-rule': `must be a gs://bucket/object URI, or ${REFERENCE_BUCKET_PLACEHOLDER_URI}object for the deployment's own reference-data bucket`,
          },
          format: { enum: ['json', 'ndjson', 'csv'] },
        },
        ['kind', 'uri', 'format'],
      ),
      obj({ kind: { const: 'bigquery' }, query: { type: 'string', minLength: 1 } }, ['kind', 'query']),
    ]),
    recordField: fieldPath(),
    sideField: { type: 'string', minLength: 1 },
    into: identifier(),
    fields: { type: 'object', minProperties: 1, additionalProperties: { type: 'object' } },
    ttl: duration(),
    onMissing: { enum: ['keep', 'deadLetter'] },
  },
  ['name', 'source', 'recordField', 'sideField', 'into', 'fields', 'ttl', 'onMissing'],
  { 'x-required-hints': { ttl: "side inputs are cached per instance; say for how long, e.g. '10m'" } },
);

const aggregationSchema: Schema = obj(
  {
    name: identifier(),
    keyFields: { type: 'array', minItems: 1, maxItems: 8, uniqueItems: true, items: fieldPath() },
    window: windowSchema,
    trigger: triggerRef,
    allowedLateness: duration(),
    accumulation: { enum: ['DISCARDING', 'ACCUMULATING'] },
    measures: { type: 'array', minItems: 1, items: measureSchema },
    partitions: { type: 'integer', minimum: 1, maximum: 1000, 'x-rule': 'partitions must be a whole number in 1..1000' },
  },
  ['name', 'keyFields', 'window', 'trigger', 'allowedLateness', 'accumulation', 'measures', 'partitions'],
  {
    'x-required-hints': {
      allowedLateness: "allowed lateness has no default; use '0s' for none",
      accumulation: "accumulation has no default; choose 'DISCARDING' or 'ACCUMULATING'",
      trigger: "say when panes fire; {kind: 'default'} fires once when the watermark passes the window end, then per late element",
      partitions:
        'partitions has no default: it is the parallelism and the unit of state; start with 4 and raise it for volume',
      keyFields: 'name the record fields that form the key',
    },
  },
);

const functionOverrides: Schema = obj({
  memoryMb: { enum: [256, 512, 1024, 2048, 4096, 8192, 16384, 32768], 'x-rule': 'memoryMb must be one of 256, 512, 1024, 2048, 4096, 8192, 16384, 32768' },
  timeoutSeconds: { type: 'integer', minimum: 1, maximum: 540, 'x-rule': 'event-driven gen2 functions allow 1..540 seconds' },
  maxInstances: posInt(1000),
  concurrency: posInt(1000),
});

/** The schema of the JSON part of a `PipelineDefinition`. */
export const definitionSchema: Schema = {
  $defs: { trigger: triggerSchema, duration: durationSchema },
  ...obj(
    {
      name: { type: 'string', pattern: PIPELINE_NAME_PATTERN, 'x-rule': PIPELINE_NAME_RULE },
      description: { type: 'string' },
      source: sourceSchema,
      schema: { type: 'object' },
      expectations: { type: 'array', items: expectationSchema },
      pii: { type: 'array', items: piiSchema },
      enrichment: { type: 'array', items: enrichmentSchema },
      derivedFields: { type: 'object', additionalProperties: { type: 'object' } },
      filter: {},
      transform: {},
      watermark: obj({ maxOutOfOrderness: duration(), idleTimeout: duration(), maxFutureSkew: duration() }, ['maxOutOfOrderness', 'idleTimeout'], {
        'x-required-hints': {
          maxOutOfOrderness: "how far behind the newest event time data may arrive before it counts as late, e.g. '10s'",
          idleTimeout: "after how much quiet the watermark follows processing time, e.g. '1m'",
        },
      }),
      aggregations: { type: 'array', items: aggregationSchema },
      retention: obj(
        {
          rawArchive: obj({ nearlineAfterDays: days(), coldlineAfterDays: days(), deleteAfterDays: days() }),
          tables: obj({ events: days(), panes: days(), deadLetter: days(), lateData: days(), schemaDrift: days() }),
        },
        ['rawArchive'],
        { 'x-required-hints': { rawArchive: 'say how long raw records stay in each storage class, e.g. {nearlineAfterDays: 30, deleteAfterDays: 365}; {} keeps them in Standard forever' } },
      ),
      views: {
        type: 'array',
        items: obj({ name: identifier(), sql: { type: 'string', minLength: 1 }, description: { type: 'string' } }, ['name', 'sql']),
      },
      schemaDrift: obj({ unknownFields: { enum: ['keep', 'deadLetter'] }, typeChanges: { enum: ['record', 'deadLetter'] } }, [
        'unknownFields',
        'typeChanges',
      ]),
      clusterBy: { type: 'array', minItems: 1, maxItems: 4, uniqueItems: true, items: identifier('must be a top-level column name') },
      functions: obj({ ingest: functionOverrides, transform: functionOverrides, aggregator: functionOverrides }),
    },
    ['name', 'source', 'schema', 'aggregations', 'retention'],
    {
      'x-required-hints': {
        retention: 'retention has no default: give at least rawArchive (e.g. {rawArchive: {deleteAfterDays: 365}})',
        aggregations: 'list the windowed aggregations ([] for a pipeline that only lands clean events)',
        schema: 'give the JSON Schema of one record ({type: "object", properties: {...}})',
      },
    },
  ),
};
