/**
 * Names the warehouse reserves, shared by definition validation and the topology so a user's field,
 * measure or view can never collide with a column or table sluice writes.
 */

/** Tables and views every pipeline has. Aggregations add `<name>_panes` (table) and `<name>` (view). */
export const RESERVED_TABLES = ['events', 'events_dedup', 'dead_letter', 'late_data', 'schema_drift'] as const;

/** Columns sluice adds to every `events` row, next to the record's own fields. */
export const EVENTS_SYSTEM_COLUMNS = [
  'event_id',
  'event_time',
  'ingest_time',
  'publish_time',
  'message_id',
  'source_format',
  'cdc_op',
  'attributes_json',
  'extra_json',
] as const;

/** Columns of every `<aggregation>_panes` row besides the key-field columns and the measures. */
export const PANE_SYSTEM_COLUMNS = [
  'pane_id',
  'pipeline',
  'aggregation',
  'key',
  'window_start',
  'window_end',
  'pane_timing',
  'pane_index',
  'non_speculative_index',
  'is_first',
  'is_last',
  'fired_at',
  'watermark',
] as const;

/** The suffix of an aggregation's pane table. */
export const PANES_SUFFIX = '_panes';

const COLUMN = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const RESERVED_COLUMN_PREFIXES = ['_table_', '_file_', '_partition', '_row_timestamp', '__root__', '_colidentifier'];

/** Whether BigQuery accepts `name` as a column name. */
export function isValidColumnName(name: string): boolean {
  const lower = name.toLowerCase();
  return COLUMN.test(name) && !RESERVED_COLUMN_PREFIXES.some((p) => lower.startsWith(p));
}

/** The pane-table column holding a key field: `geo.country` → `geo_country`. */
export function keyColumnName(keyField: string): string {
  return keyField.replace(/\./g, '_');
}
