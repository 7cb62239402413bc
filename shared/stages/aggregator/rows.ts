/**
 * Panes and late records as BigQuery rows, following the column contract of
 * `shared/topology/warehouse.ts`: TIMESTAMP columns take RFC 3339 strings, key columns the key's
 * string forms, `approxQuantiles` a REPEATED FLOAT without NULLs, `topK` a REPEATED RECORD
 * `{value STRING, count INTEGER}`, and STRING measure columns JSON text when the value is not a string.
 */
import type { LateRecord } from '../../core/engine';
import type { Pane } from '../../core/pane';
import { END_OF_TIME, MIN_TIMESTAMP } from '../../core/time';
import { decodeKey, keyColumnName, type AggregationDefinition } from '../../pipeline';
import type { Row } from '../../ports/sink';
import type { BigQueryField, TableSpec } from '../../topology';

/** RFC 3339, or null outside BigQuery's TIMESTAMP range (the global window's bounds, an initial watermark). */
export function timestampOrNull(ms: number): string | null {
  if (!Number.isFinite(ms) || ms <= MIN_TIMESTAMP || ms >= END_OF_TIME) return null;
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  return y < 1 || y > 9999 ? null : d.toISOString();
}

function measureValue(field: BigQueryField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.mode === 'REPEATED' && field.type === 'RECORD') {
    const items = (value as { items?: { value: unknown; count: number }[] }).items ?? [];
    return items.map((it) => ({ value: typeof it.value === 'string' ? it.value : JSON.stringify(it.value), count: it.count }));
  }
  if (field.mode === 'REPEATED') return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : [];
  if (field.type === 'STRING') return typeof value === 'string' ? value : JSON.stringify(value);
  if (field.type === 'INTEGER' && typeof value === 'number') return Math.round(value);
  return value;
}

/** Builds pane rows for one aggregation's `<aggregation>_panes` table. */
export class PaneRowWriter {
  private readonly measures: BigQueryField[];

  constructor(
    private readonly pipeline: string,
    private readonly aggregation: Pick<AggregationDefinition, 'name' | 'keyFields' | 'measures'>,
    readonly table: TableSpec,
  ) {
    const names = new Set(aggregation.measures.map((m) => m.name));
    this.measures = table.schema.filter((c) => names.has(c.name));
  }

  row(pane: Pane): Row {
    const keyValues = decodeKey(pane.key, this.aggregation.keyFields.length);
    const json: Record<string, unknown> = {
      pane_id: pane.paneId,
      pipeline: this.pipeline,
      aggregation: pane.aggregation,
      key: pane.key,
    };
    this.aggregation.keyFields.forEach((k, i) => (json[keyColumnName(k)] = keyValues[i] ?? null));
    json.window_start = timestampOrNull(pane.window.start);
    json.window_end = timestampOrNull(pane.window.end);
    json.pane_timing = pane.pane.timing;
    json.pane_index = pane.pane.index;
    json.non_speculative_index = pane.pane.nonSpeculativeIndex;
    json.is_first = pane.pane.isFirst;
    json.is_last = pane.pane.isLast;
    json.fired_at = timestampOrNull(pane.processingTime);
    json.watermark = timestampOrNull(pane.watermark);
    const output = (pane.output ?? {}) as Record<string, unknown>;
    for (const f of this.measures) json[f.name] = measureValue(f, output[f.name]);
    return { insertId: pane.paneId, json };
  }
}

/** A `late_data` row. The insert id is deterministic, so a duplicate of a late record is the same row. */
export function lateRow(pipeline: string, aggregation: string, allowedLatenessMs: number, rec: LateRecord, at: number): Row {
  const eventId = rec.id ?? '';
  return {
    insertId: `${aggregation}:${eventId}:${rec.window.start}`,
    json: {
      pipeline,
      aggregation,
      key: rec.key,
      event_id: eventId,
      event_time: timestampOrNull(rec.timestamp),
      window_start: timestampOrNull(rec.window.start),
      window_end: timestampOrNull(rec.window.end),
      watermark: timestampOrNull(rec.watermark),
      lateness_ms: Number.isFinite(rec.latenessMs) ? rec.latenessMs : null,
      allowed_lateness_ms: allowedLatenessMs,
      value_json: JSON.stringify(rec.value ?? null),
      at: timestampOrNull(at),
    },
  };
}
