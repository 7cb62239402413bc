/**
 * The BigQuery tables of a pipeline, derived from its definition: `events` (columns from the
 * record schema), one `<aggregation>_panes` per aggregation (columns from keys and measures),
 * `dead_letter`, `late_data` and `schema_drift`.
 *
 * Column contract for writers: TIMESTAMP columns take epoch-ms converted to RFC 3339 strings;
 * `*_json` columns hold JSON text. In pane tables `window_start`/`window_end` are NULL for the
 * global window; key columns hold the key's string forms (`decodeKey`); `approxQuantiles` is a
 * REPEATED FLOAT in the order of the measure's `quantiles`; `topK` is a REPEATED RECORD
 * `{value STRING, count INTEGER}`, most frequent first.
 */
import {
  EVENTS_SYSTEM_COLUMNS,
  keyColumnName,
  outputRecordSchema,
  PANES_SUFFIX,
  resolveField,
  valueTypes,
  type AggregationDefinition,
  type JsonSchema,
  type Pipeline,
  type RecordSchema,
} from '../pipeline';
import type { BigQueryField, TableSpec } from './types';

const DAY_MS = 86_400_000;

type Mode = BigQueryField['mode'];
const col = (name: string, type: BigQueryField['type'], mode: Mode, description?: string): BigQueryField => ({
  name,
  type,
  mode,
  ...(description ? { description } : {}),
});

/** The BigQuery type of a scalar JSON Schema, or undefined if it is not a scalar. */
function scalarType(s: JsonSchema | undefined): BigQueryField['type'] | undefined {
  const types = valueTypes(s);
  if (types.size === 1 && types.has('string')) {
    if (s?.format === 'date-time') return 'TIMESTAMP';
    if (s?.format === 'date') return 'DATE';
    return 'STRING';
  }
  if (types.size === 1 && types.has('integer')) return 'INTEGER';
  if (types.size > 0 && [...types].every((t) => t === 'number' || t === 'integer')) return 'FLOAT';
  if (types.size === 1 && types.has('boolean')) return 'BOOLEAN';
  return undefined;
}

/**
 * One JSON Schema property as a BigQuery column. Objects with properties become RECORDs, arrays
 * REPEATED columns (BigQuery arrays hold no NULLs: writers drop them); anything without a single
 * clear type is kept as JSON text in a STRING.
 */
export function jsonSchemaToField(name: string, s: JsonSchema): BigQueryField {
  const desc = typeof s.description === 'string' ? s.description : undefined;
  const scalar = scalarType(s);
  if (scalar) return col(name, scalar, 'NULLABLE', desc);
  const types = valueTypes(s);
  if (types.size === 1 && types.has('object') && s.properties && Object.keys(s.properties).length > 0) {
    return {
      ...col(name, 'RECORD', 'NULLABLE', desc),
      fields: Object.entries(s.properties).map(([k, v]) => jsonSchemaToField(k, v)),
    };
  }
  if (types.size === 1 && types.has('array') && s.items && !valueTypes(s.items).has('array')) {
    const inner = jsonSchemaToField(name, s.items);
    return { ...inner, mode: 'REPEATED', ...(desc ? { description: desc } : {}) };
  }
  return col(name, 'STRING', 'NULLABLE', `JSON text${desc ? `: ${desc}` : ''}`);
}

const labelsOf = (pipeline: string, role: string): Record<string, string> => ({ pipeline, table_role: role.toLowerCase() });
const expiration = (days: number | undefined): { expirationMs?: number } => (days === undefined ? {} : { expirationMs: days * DAY_MS });

/** The `events` table: system columns, then the record's columns (after PII, enrichment, transform). */
export function eventsTable(p: Pipeline, output: RecordSchema = outputRecordSchema(p)): TableSpec {
  const system: BigQueryField[] = [
    col('event_id', 'STRING', 'REQUIRED', 'Stable event id (deduplication key).'),
    col('event_time', 'TIMESTAMP', 'REQUIRED', 'Event time.'),
    col('ingest_time', 'TIMESTAMP', 'REQUIRED', 'When ingest accepted the record.'),
    col('publish_time', 'TIMESTAMP', 'NULLABLE', 'Pub/Sub publish time of the raw message.'),
    col('message_id', 'STRING', 'NULLABLE', 'Pub/Sub message id of the raw message.'),
    col('source_format', 'STRING', 'NULLABLE', 'json | ndjson | csv | cdc-debezium.'),
    col('cdc_op', 'STRING', 'NULLABLE', 'CDC operation (c, u, d, r) for change events.'),
    col('attributes_json', 'STRING', 'NULLABLE', 'Pub/Sub attributes, JSON text.'),
    col('extra_json', 'STRING', 'NULLABLE', 'Fields not in the schema (schema drift), JSON text.'),
  ];
  if (system.map((c) => c.name).join() !== EVENTS_SYSTEM_COLUMNS.join()) throw new Error('events system columns out of sync');
  const record = Object.entries(output.properties).map(([k, v]) => jsonSchemaToField(k, v));
  return {
    name: 'events',
    role: 'events',
    description: `Clean ${p.name} events: validated, PII-handled, enriched. May hold duplicates on redelivery; query events_dedup.`,
    schema: [...system, ...record],
    timePartitioning: { type: 'DAY', field: 'event_time', ...expiration(p.retention.tables?.events) },
    clustering: eventsClustering(p, output),
    labels: labelsOf(p.name, 'events'),
  };
}

/** `clusterBy` when given; else the aggregations' top-level scalar key fields, in order, at most 4. */
export function eventsClustering(p: Pipeline, output: RecordSchema = outputRecordSchema(p)): string[] {
  if (p.clusterBy) return [...p.clusterBy];
  const out: string[] = [];
  for (const a of p.aggregations) {
    for (const k of a.keyFields) {
      if (!k.includes('.') && scalarType(output.properties[k]) !== undefined && !out.includes(k)) out.push(k);
    }
  }
  return out.slice(0, 4);
}

/** The column a measure writes. */
export function measureField(m: AggregationDefinition['measures'][number], output: RecordSchema): BigQueryField {
  const fieldSchema = 'field' in m && m.field ? resolveField(output, m.field) : undefined;
  const of = 'field' in m && m.field ? ` of ${m.field}` : '';
  switch (m.kind) {
    case 'count':
      return col(m.name, 'INTEGER', 'NULLABLE', 'Count of elements in the pane.');
    case 'sum':
      return col(m.name, scalarType(fieldSchema) === 'INTEGER' ? 'INTEGER' : 'FLOAT', 'NULLABLE', `Sum${of}.`);
    case 'mean':
      return col(m.name, 'FLOAT', 'NULLABLE', `Mean${of}.`);
    case 'min':
    case 'max':
    case 'latest': {
      const t = scalarType(fieldSchema);
      return col(m.name, t === 'TIMESTAMP' || t === 'DATE' || t === undefined ? 'STRING' : t, 'NULLABLE', `${m.kind}${of}${t === undefined ? ' (JSON text)' : ''}.`);
    }
    case 'approxDistinct':
      return col(m.name, 'INTEGER', 'NULLABLE', `Approximate distinct count${of} (HyperLogLog).`);
    case 'approxQuantiles':
      return col(m.name, 'FLOAT', 'REPEATED', `Approximate quantiles${of} at [${m.quantiles.join(', ')}], in that order.`);
    case 'topK':
      return {
        ...col(m.name, 'RECORD', 'REPEATED', `Top ${m.k}${of}, most frequent first.`),
        fields: [col('value', 'STRING', 'NULLABLE'), col('count', 'INTEGER', 'NULLABLE')],
      };
  }
}

/** `<aggregation>_panes`: append-only pane history, one row per fired pane (duplicates possible; the view dedupes). */
export function panesTable(p: Pipeline, a: AggregationDefinition, output: RecordSchema = outputRecordSchema(p)): TableSpec {
  return {
    name: `${a.name}${PANES_SUFFIX}`,
    role: 'panes',
    aggregation: a.name,
    description: `Every pane fired for ${a.name} (${a.accumulation.toLowerCase()}); query the ${a.name} view for the latest pane per window.`,
    schema: [
      col('pane_id', 'STRING', 'REQUIRED', 'Deterministic pane id (insert id; duplicates are the same pane).'),
      col('pipeline', 'STRING', 'REQUIRED'),
      col('aggregation', 'STRING', 'REQUIRED'),
      col('key', 'STRING', 'REQUIRED', 'Encoded key (one field: its string form; several: JSON array of strings).'),
      ...a.keyFields.map((k) => col(keyColumnName(k), 'STRING', 'NULLABLE', `Key field ${k} (string form).`)),
      col('window_start', 'TIMESTAMP', 'NULLABLE', 'Inclusive window start; NULL for the global window.'),
      col('window_end', 'TIMESTAMP', 'NULLABLE', 'Exclusive window end; NULL for the global window.'),
      col('pane_timing', 'STRING', 'REQUIRED', 'EARLY | ON_TIME | LATE.'),
      col('pane_index', 'INTEGER', 'REQUIRED'),
      col('non_speculative_index', 'INTEGER', 'REQUIRED', '-1 for early panes.'),
      col('is_first', 'BOOLEAN', 'REQUIRED'),
      col('is_last', 'BOOLEAN', 'REQUIRED'),
      col('fired_at', 'TIMESTAMP', 'REQUIRED', 'Processing time the pane fired.'),
      col('watermark', 'TIMESTAMP', 'NULLABLE', 'Watermark when the pane fired.'),
      ...a.measures.map((m) => measureField(m, output)),
    ],
    timePartitioning: { type: 'DAY', field: 'fired_at', ...expiration(p.retention.tables?.panes) },
    clustering: ['key'],
    labels: labelsOf(p.name, 'panes'),
  };
}

/** Columns of `dead_letter`; `deadLetterRow` in shared/messages writes exactly these. */
export function deadLetterTable(p: Pipeline): TableSpec {
  return {
    name: 'dead_letter',
    role: 'deadLetter',
    description: `Messages ${p.name} could not process, with the stage, the reason and the raw payload.`,
    schema: [
      col('pipeline', 'STRING', 'NULLABLE'),
      col('stage', 'STRING', 'REQUIRED'),
      col('reason', 'STRING', 'REQUIRED', 'Machine-readable reason, e.g. invalid_json, expectation:<id>.'),
      col('message', 'STRING', 'NULLABLE'),
      col('payload', 'STRING', 'NULLABLE', 'Raw payload: text, or base64 when payload_encoding = base64.'),
      col('payload_encoding', 'STRING', 'REQUIRED'),
      col('payload_bytes', 'INTEGER', 'REQUIRED'),
      col('payload_truncated', 'BOOLEAN', 'REQUIRED'),
      col('attributes_json', 'STRING', 'NULLABLE'),
      col('event_id', 'STRING', 'NULLABLE'),
      col('attempt', 'INTEGER', 'REQUIRED'),
      col('at', 'TIMESTAMP', 'REQUIRED'),
    ],
    timePartitioning: { type: 'DAY', field: 'at', ...expiration(p.retention.tables?.deadLetter) },
    clustering: ['stage', 'reason'],
    labels: labelsOf(p.name, 'deadLetter'),
  };
}

/** Records behind the watermark beyond allowed lateness, with how late they were. */
export function lateDataTable(p: Pipeline): TableSpec {
  return {
    name: 'late_data',
    role: 'lateData',
    description: `Records of ${p.name} that arrived after their window closed (beyond allowed lateness).`,
    schema: [
      col('pipeline', 'STRING', 'REQUIRED'),
      col('aggregation', 'STRING', 'REQUIRED'),
      col('key', 'STRING', 'REQUIRED'),
      col('event_id', 'STRING', 'REQUIRED'),
      col('event_time', 'TIMESTAMP', 'REQUIRED'),
      col('window_start', 'TIMESTAMP', 'NULLABLE'),
      col('window_end', 'TIMESTAMP', 'NULLABLE'),
      col('watermark', 'TIMESTAMP', 'NULLABLE', 'Watermark when the record arrived.'),
      col('lateness_ms', 'INTEGER', 'NULLABLE', 'How far behind the watermark the record was.'),
      col('allowed_lateness_ms', 'INTEGER', 'NULLABLE'),
      col('value_json', 'STRING', 'NULLABLE', 'The keyed value, JSON text.'),
      col('at', 'TIMESTAMP', 'REQUIRED', 'Processing time.'),
    ],
    timePartitioning: { type: 'DAY', field: 'at', ...expiration(p.retention.tables?.lateData) },
    clustering: ['aggregation', 'key'],
    labels: labelsOf(p.name, 'lateData'),
  };
}

/** One row per detected schema change (not per event). */
export function schemaDriftTable(p: Pipeline): TableSpec {
  return {
    name: 'schema_drift',
    role: 'schemaDrift',
    description: `Schema changes observed in ${p.name}'s records: added, missing or retyped fields.`,
    schema: [
      col('pipeline', 'STRING', 'REQUIRED'),
      col('field', 'STRING', 'REQUIRED', 'Dotted path of the field.'),
      col('change', 'STRING', 'REQUIRED', 'added | missing | retyped.'),
      col('previous_type', 'STRING', 'NULLABLE'),
      col('observed_type', 'STRING', 'NULLABLE'),
      col('schema_version', 'INTEGER', 'NULLABLE', 'Registry version after the change.'),
      col('sample_event_id', 'STRING', 'NULLABLE'),
      col('action', 'STRING', 'NULLABLE', 'kept | dead_lettered (from the drift policy).'),
      col('detected_at', 'TIMESTAMP', 'REQUIRED'),
    ],
    timePartitioning: { type: 'DAY', field: 'detected_at', ...expiration(p.retention.tables?.schemaDrift) },
    clustering: ['field'],
    labels: labelsOf(p.name, 'schemaDrift'),
  };
}

/** All tables, in creation order. */
export function tablesFor(p: Pipeline): TableSpec[] {
  const output = outputRecordSchema(p);
  return [
    eventsTable(p, output),
    ...p.aggregations.map((a) => panesTable(p, a, output)),
    deadLetterTable(p),
    lateDataTable(p),
    schemaDriftTable(p),
  ];
}
