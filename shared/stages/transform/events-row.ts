/**
 * The `events` row of a clean record, following the table's columns exactly (as the topology
 * derives them from the output record schema): RECORD columns recurse, REPEATED columns drop
 * nulls (BigQuery arrays hold none), JSON-text columns get JSON text, TIMESTAMP columns take RFC
 * 3339. Whatever has no column — fields outside the schema (kept on schema drift) or values of a
 * shape their column cannot hold — goes to `extra_json`, keyed by dotted path, so nothing is lost.
 */
import type { Envelope } from '../../messages';
import { type JsonSchema, outputRecordSchema, type AnyPipeline, valueTypes } from '../../pipeline';
import { eventsTable } from '../../topology/warehouse';
import type { BigQueryField } from '../../topology';

const iso = (ms: number): string => new Date(ms).toISOString();

interface Column {
  field: BigQueryField;
  schema: JsonSchema | undefined;
}

/** Builds `events` rows for one pipeline. */
export class EventsRowBuilder {
  private readonly columns: Column[];

  constructor(pipeline: AnyPipeline) {
    const output = outputRecordSchema(pipeline);
    const table = eventsTable(pipeline, output);
    this.columns = table.schema
      .filter((c) => Object.prototype.hasOwnProperty.call(output.properties, c.name))
      .map((c) => ({ field: c, schema: output.properties[c.name] }));
  }

  /** The row for `record` (after PII, enrichment, transform) of `envelope`. */
  build(envelope: Envelope, record: Record<string, unknown>): Record<string, unknown> {
    const extra: Record<string, unknown> = {};
    const row: Record<string, unknown> = {
      event_id: envelope.eventId,
      event_time: iso(envelope.eventTime),
      ingest_time: iso(envelope.ingestTime),
      publish_time: iso(envelope.source.publishTime),
      message_id: envelope.source.messageId,
      source_format: envelope.source.format,
      cdc_op: envelope.source.cdc?.op ?? null,
      attributes_json: JSON.stringify(envelope.source.attributes),
    };
    const declared = new Set<string>();
    for (const c of this.columns) {
      declared.add(c.field.name);
      if (!Object.prototype.hasOwnProperty.call(record, c.field.name)) continue;
      const cell = toCell(c.field, c.schema, record[c.field.name], c.field.name, extra);
      if (cell !== undefined) row[c.field.name] = cell;
    }
    for (const k of Object.keys(record)) {
      if (!declared.has(k)) extra[k] = record[k];
    }
    row.extra_json = Object.keys(extra).length > 0 ? JSON.stringify(extra) : null;
    return row;
  }
}

function isScalarString(s: JsonSchema | undefined): boolean {
  const t = valueTypes(s);
  return t.size === 1 && t.has('string');
}

/** One value as its column's cell; undefined = leave the column NULL (the value went to `extra`). */
function toCell(field: BigQueryField, schema: JsonSchema | undefined, value: unknown, path: string, extra: Record<string, unknown>): unknown {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (field.mode === 'REPEATED') {
    if (!Array.isArray(value)) {
      extra[path] = value;
      return undefined;
    }
    const inner: BigQueryField = { ...field, mode: 'NULLABLE' };
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const cell = item === null ? undefined : toCell(inner, schema?.items, item, `${path}[${i}]`, extra);
      if (cell !== undefined && cell !== null) out.push(cell);
    });
    return out;
  }
  switch (field.type) {
    case 'RECORD': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        extra[path] = value;
        return undefined;
      }
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      const names = new Set<string>();
      for (const sub of field.fields ?? []) {
        names.add(sub.name);
        if (!Object.prototype.hasOwnProperty.call(obj, sub.name)) continue;
        const cell = toCell(sub, schema?.properties?.[sub.name], obj[sub.name], `${path}.${sub.name}`, extra);
        if (cell !== undefined) out[sub.name] = cell;
      }
      for (const k of Object.keys(obj)) if (!names.has(k)) extra[`${path}.${k}`] = obj[k];
      return out;
    }
    case 'STRING':
      if (isScalarString(schema)) {
        if (typeof value === 'string') return value;
        extra[path] = value;
        return undefined;
      }
      return JSON.stringify(value);
    case 'INTEGER':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      break;
    case 'FLOAT':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      break;
    case 'BOOLEAN':
      if (typeof value === 'boolean') return value;
      break;
    case 'TIMESTAMP':
    case 'DATE':
      if (typeof value === 'string') return value;
      break;
  }
  extra[path] = value;
  return undefined;
}
