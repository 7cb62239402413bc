/**
 * The shape of a pipeline definition: what a user writes in `pipelines/<name>.ts`. Everything but
 * the optional `transform` / `filter` functions is plain JSON-serialisable data, so the same object
 * drives the stages, the topology (Pulumi and the local stack) and the docs.
 *
 * Times are epoch milliseconds; durations use the core's `DurationInput` (`'30s'`, `'5m'`, `{minutes: 5}`).
 * Allowed lateness, accumulation, partitions and the watermark bounds have no defaults: they change
 * results, so a reader of the definition must see them.
 */
import type {
  AccumulationMode,
  DurationInput,
  MeasureSpec,
  TriggerSpec,
  WindowSpec,
} from '../core/spec';

/** Payload formats ingest can decode. */
export const PayloadFormat = {
  JSON: 'json',
  NDJSON: 'ndjson',
  CSV: 'csv',
  CDC_DEBEZIUM: 'cdc-debezium',
} as const;
export type PayloadFormat = (typeof PayloadFormat)[keyof typeof PayloadFormat];

/** Timestamp encodings accepted for an event time read from an attribute or a field. */
export const TimeFormat = {
  EPOCH_MS: 'epochMs',
  EPOCH_S: 'epochS',
  RFC3339: 'rfc3339',
} as const;
export type TimeFormat = (typeof TimeFormat)[keyof typeof TimeFormat];

type Prev = [never, 0, 1, 2, 3];
/**
 * Dotted paths into a record type, four levels deep (`'device_id'`, `'geo.country'`). For an untyped
 * record (`Record<string, unknown>`) this is plain `string`.
 */
export type FieldPath<R, D extends number = 4> = [D] extends [never]
  ? never
  : R extends readonly unknown[]
    ? never
    : R extends object
      ? {
          [K in keyof R & string]: NonNullable<R[K]> extends readonly unknown[]
            ? K
            : NonNullable<R[K]> extends Record<string, unknown>
              ? K | `${K}.${FieldPath<NonNullable<R[K]>, Prev[D]>}`
              : K;
        }[keyof R & string]
      : never;

/** Where a record's stable `eventId` comes from. */
export type EventIdSource<R = Record<string, unknown>> =
  /** A Pub/Sub message attribute. `fallback: 'contentHash'` hashes the record when the attribute is absent. */
  | { from: 'attribute'; name: string; fallback?: 'contentHash' }
  /** A field of the record. */
  | { from: 'field'; path: FieldPath<R>; fallback?: 'contentHash' }
  /** SHA-256 of the canonical JSON of the record: identical records are the same event. */
  | { from: 'contentHash' }
  /** The CDC source position (LSN / binlog file and position): only with `cdc-debezium`. */
  | { from: 'cdcPosition' };

/** Where a record's `eventTime` comes from. */
export type EventTimeSource<R = Record<string, unknown>> =
  | { from: 'attribute'; name: string; format: TimeFormat; fallback?: 'publishTime' }
  | { from: 'field'; path: FieldPath<R>; format: TimeFormat; fallback?: 'publishTime' }
  /** Pub/Sub publish time (processing-ish time: only honest when producers publish promptly). */
  | { from: 'publishTime' }
  /** Debezium's `ts_ms` (when the change was committed at the source): only with `cdc-debezium`. */
  | { from: 'cdcTimestamp' };

/** How to read CSV: a header line, or fixed column names. */
export type CsvOptions =
  | { header: true; delimiter?: string }
  | { header: false; columns: string[]; delimiter?: string };

/**
 * Where records come from. With `cdc-debezium`, `schema` and every field path describe the changed
 * row (Debezium's `after`, or `before` for a delete); the operation, position and `before` image
 * travel in the envelope's `source.cdc`.
 */
export interface SourceDefinition<R = Record<string, unknown>> {
  /** Payload formats accepted on the raw topic and the landing bucket (at least one). */
  formats: PayloadFormat[];
  /** Required when `formats` includes `csv`. Values are coerced to the record schema's types by transform. */
  csv?: CsvOptions;
  eventId: EventIdSource<R>;
  eventTime: EventTimeSource<R>;
}

/** A JSON Schema (draft 2020-12 subset accepted by ajv) describing one record. */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  [keyword: string]: unknown;
};

/** The record schema: a JSON Schema object with declared properties. */
export type RecordSchema = JsonSchema & { type: 'object'; properties: Record<string, JsonSchema> };

/**
 * Data-quality expectations, in the spirit of Great Expectations. Each has an `id` reported in
 * pass/fail counts and dead-letter reasons (`expectation:<id>`). `severity: 'error'` (the
 * default) dead-letters a failing record; `'warn'` only counts it.
 */
export type Expectation<R = Record<string, unknown>> = { id: string; severity?: 'error' | 'warn' } & (
  | { kind: 'notNull'; field: FieldPath<R> }
  | { kind: 'range'; field: FieldPath<R>; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }
  | { kind: 'regex'; field: FieldPath<R>; pattern: string; flags?: string }
  | { kind: 'allowedValues'; field: FieldPath<R>; values: Array<string | number | boolean> }
  | { kind: 'length'; field: FieldPath<R>; min?: number; max?: number }
  /**
   * Freshness: the event time (or `field`, a timestamp) must be no older than `maxAge` relative to
   * processing time, and no further than `maxFuture` ahead of it when given.
   */
  | { kind: 'maxAge'; field?: FieldPath<R>; maxAge: DurationInput; maxFuture?: DurationInput }
);

/** A reference to a secret by name (Secret Manager id). Keys never appear in definitions. */
export interface SecretRef {
  secret: string;
}

/** What to do with a PII field before anything is written or published. */
export type PiiRule<R = Record<string, unknown>> =
  | { field: FieldPath<R>; action: 'drop' }
  /** Keyed HMAC-SHA-256, hex. Same input and key give the same output, so the field still joins and keys. */
  | { field: FieldPath<R>; action: 'hash'; key: SecretRef }
  /**
   * `full` replaces every character; `keepLast4` keeps the last four; `emailDomain` keeps only the
   * domain (`***@example.com`); `ipPrefix` zeroes the host part (IPv4 /24, IPv6 /48).
   */
  | { field: FieldPath<R>; action: 'mask'; strategy: 'full' | 'keepLast4' | 'emailDomain' | 'ipPrefix' };

export type SideInputSource =
  /**
   * A GCS object; `uri` is `gs://bucket/path`, or `gs://{{reference}}/path` in the reference-data
   * bucket each deployment provisions for itself.
   */
  | { kind: 'gcs'; uri: string; format: 'json' | 'ndjson' | 'csv' }
  /** A BigQuery query; `{{table}}` placeholders resolve like data-mart views. */
  | { kind: 'bigquery'; query: string };

/**
 * Reference data joined onto each record. The side input is loaded per instance and cached for
 * `ttl`; on a miss the record continues without the fields (`onMissing: 'keep'`) or is
 * dead-lettered (`'deadLetter'`).
 */
export interface EnrichmentDefinition<R = Record<string, unknown>> {
  /** Identifier (`[a-z][a-z0-9_]*`), used in metrics and cache keys. */
  name: string;
  source: SideInputSource;
  /** Record field whose value looks up the side row. */
  recordField: FieldPath<R>;
  /** Column of the side input holding the join key. */
  sideField: string;
  /** Record property the side row's selected fields are written under (`record[into] = {...}`). */
  into: string;
  /** Selected side fields and their JSON Schema types (they become columns of `events`). */
  fields: Record<string, JsonSchema>;
  ttl: DurationInput;
  onMissing: 'keep' | 'deadLetter';
}

/** One windowed aggregation: the core's `AggregationSpec` plus keys and partitions. */
export interface AggregationDefinition<R = Record<string, unknown>> {
  /** Identifier (`[a-z][a-z0-9_]*`): table `<name>_panes`, view `<name>`, ordering keys `<name>/<p>`. */
  name: string;
  /** Record fields (scalars) whose values form the key. Keys compare by their string form. */
  keyFields: FieldPath<R>[];
  window: WindowSpec;
  trigger: TriggerSpec;
  /** Explicit: no default. `'0s'` for none. */
  allowedLateness: DurationInput;
  /** Explicit: no default. */
  accumulation: AccumulationMode;
  measures: Array<MeasureSpec & { field?: FieldPath<R> }>;
  /** P: the number of ordered partitions (parallelism and the unit of state). Explicit: changing it re-partitions state. */
  partitions: number;
}

/** The heuristic watermark's bounds, shared by all aggregations of the pipeline. Explicit: no defaults. */
export interface WatermarkDefinition {
  /** Watermark = max event time seen − maxOutOfOrderness. */
  maxOutOfOrderness: DurationInput;
  /** After this much processing time without data, the watermark advances with processing time. */
  idleTimeout: DurationInput;
  /**
   * How far an event time may lie ahead of the clock: its publish time at ingest, processing time
   * at the aggregator. An event beyond it is dead-lettered (`event_time_in_future`) and never moves
   * the watermark, so one event dated 2100 cannot make every later event late. Default
   * `DEFAULT_MAX_FUTURE_SKEW` (5 minutes: device clock skew, not a data model).
   */
  maxFutureSkew?: DurationInput;
}

export interface RetentionDefinition {
  /** Raw archive lifecycle in days since object creation; omit a step to skip it. */
  rawArchive: { nearlineAfterDays?: number; coldlineAfterDays?: number; deleteAfterDays?: number };
  /** Partition expiration of the BigQuery tables, in days; omit to keep forever. */
  tables?: { events?: number; panes?: number; deadLetter?: number; lateData?: number; schemaDrift?: number };
}

/**
 * A data-mart view: BigQuery Standard SQL over the pipeline's tables. Refer to tables as
 * `{{events}}`, `{{events_dedup}}`, `{{<aggregation>}}`, `{{<aggregation>_panes}}`, `{{late_data}}`,
 * `{{dead_letter}}`, `{{schema_drift}}` or another view `{{<view>}}` defined earlier; they expand to
 * fully qualified names.
 */
export interface ViewDefinition {
  name: string;
  sql: string;
  description?: string;
}

/** What transform does when a record's shape differs from the schema registry's latest version. */
export interface SchemaDriftPolicy {
  /** `keep`: record the drift and keep the fields (in `extra_json`); `deadLetter`: reject the record. */
  unknownFields: 'keep' | 'deadLetter';
  /** `record`: record the drift and keep the value as-is when it still passes the schema; `deadLetter`: reject. */
  typeChanges: 'record' | 'deadLetter';
}

/** Per-stage function settings; anything omitted comes from the topology's stage defaults. */
export interface FunctionOverrides {
  memoryMb?: number;
  timeoutSeconds?: number;
  maxInstances?: number;
  concurrency?: number;
}

/** Context handed to user functions. Pure: no clock; `eventTime` and `ingestTime` are epoch ms. */
export interface RecordContext {
  pipeline: string;
  eventId: string;
  eventTime: number;
  ingestTime: number;
  attributes: Readonly<Record<string, string>>;
}

/** A pipeline as written by its author. `R` is the (post-enrichment) record type. */
export interface PipelineDefinition<R extends object = Record<string, unknown>> {
  /** Safe identifier used in resource names: `[a-z][a-z0-9-]*`, 3–24 characters, no trailing or double hyphen. */
  name: string;
  description?: string;
  source: SourceDefinition<R>;
  schema: RecordSchema;
  expectations?: Expectation<R>[];
  pii?: PiiRule<R>[];
  enrichment?: EnrichmentDefinition<R>[];
  /**
   * Properties added by `transform` (name → JSON Schema type), so they can be keyed on, measured
   * and written as `events` columns.
   */
  derivedFields?: Record<string, JsonSchema>;
  /** Drop records for which this returns false (after PII and enrichment). */
  filter?: (record: R, context: RecordContext) => boolean;
  /** Reshape a record (after filter). Must be pure and deterministic: redeliveries must give the same output. */
  transform?: (record: R, context: RecordContext) => R;
  watermark?: WatermarkDefinition;
  aggregations: AggregationDefinition<R>[];
  retention: RetentionDefinition;
  views?: ViewDefinition[];
  schemaDrift?: SchemaDriftPolicy;
  /** BigQuery clustering of `events`; defaults to the aggregations' top-level key fields (at most 4). */
  clusterBy?: string[];
  functions?: { ingest?: FunctionOverrides; transform?: FunctionOverrides; aggregator?: FunctionOverrides };
}

declare const validated: unique symbol;

/** A definition that passed `definePipeline`: deeply frozen, defaults filled in where they exist. */
export type Pipeline<R extends object = Record<string, unknown>> = Readonly<
  Omit<PipelineDefinition<R>, 'expectations' | 'pii' | 'enrichment' | 'views' | 'schemaDrift' | 'derivedFields'> & {
    expectations: Expectation<R>[];
    pii: PiiRule<R>[];
    enrichment: EnrichmentDefinition<R>[];
    views: ViewDefinition[];
    schemaDrift: SchemaDriftPolicy;
    derivedFields: Record<string, JsonSchema>;
  }
> & { readonly [validated]: true };

/**
 * A validated pipeline of any record type, for consumers that only read its data (topology,
 * registry, stages). `Pipeline<MyRecord>` is not assignable to `Pipeline` because the user
 * functions take `MyRecord`; this is the one deliberate escape.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPipeline = Pipeline<any>;
