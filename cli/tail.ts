/**
 * `sluice tail`: panes as they land in the `<aggregation>_panes` tables, one readable line each.
 *
 * Polls with a bytes-billed cap. The cursor is `fired_at` (processing time the pane fired), but a
 * pane can land in BigQuery after one that fired later (its partition's insert retried, the
 * outbox confirmed on a later tick), so every poll re-reads a look-back window behind the cursor
 * and skips pane ids already printed: a pane is printed once however often it was inserted
 * (duplicate rows of one pane share its `pane_id`).
 */
import type { BigQuery } from '@google-cloud/bigquery';
import { parseDuration } from '../shared/core/duration';
import type { AggregationDefinition } from '../shared/pipeline';
import type { Topology } from '../shared/topology';
import { cellText, runQuery } from './query';

/** `--since`: an ISO time, or a duration back from `now` (`10m`, `2h`). */
export function parseSince(text: string, now: number): number {
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(text.trim())) return now - parseDuration(text.trim(), '--since');
  const t = Date.parse(text);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new RangeError(`--since must be an ISO time (2026-01-01T10:00:00Z) or a duration back from now (10m, 2h); got ${text}`);
  }
  return t;
}

/** Epoch ms of a TIMESTAMP cell (the client wraps it as `{ value: ISO }`), or null. */
export function timestampMs(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const text = cellText(v);
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : null;
}

const hms = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** `[2026-01-01 10:00:00, 10:01:00)` — the window half-open, the end's date only when it differs. */
export function formatWindow(startMs: number | null, endMs: number | null): string {
  if (startMs === null || endMs === null) return 'global window';
  const s = new Date(startMs).toISOString();
  const e = new Date(endMs).toISOString();
  const endText = s.slice(0, 10) === e.slice(0, 10) ? hms(endMs) : `${e.slice(0, 10)} ${hms(endMs)}`;
  return `[${s.slice(0, 10)} ${hms(startMs)}, ${endText})`;
}

function measureText(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return cellText(v);
}

/** One pane row as a line: fired time, aggregation, key, window, timing and index, measures. */
export function paneLine(row: Record<string, unknown>, aggregation: Pick<AggregationDefinition, 'name' | 'measures'>): string {
  const fired = timestampMs(row.fired_at);
  const timing = String(row.pane_timing ?? '?');
  const index = `#${cellText(row.pane_index)}${row.is_last === true ? ' last' : ''}`;
  const measures = aggregation.measures.map((m) => `${m.name}=${measureText(row[m.name])}`).join(' ');
  return [
    fired === null ? '—' : hms(fired),
    aggregation.name,
    String(row.key ?? ''),
    formatWindow(timestampMs(row.window_start), timestampMs(row.window_end)),
    `${timing.padEnd(7)} ${index}`,
    measures,
  ].join('  ');
}

export interface TailOptions {
  maxBytes: number;
  /** Re-read this far behind the cursor on every poll (panes that landed late). */
  lookbackMs: number;
  location?: string;
}

/** The tail of one panes table: `poll()` returns the panes not returned before, oldest first. */
export class PaneTail {
  private cursorMs: number;
  /** Nothing fired before `--since` is printed. */
  private readonly floorMs: number;
  /** pane_id → fired_at of panes already returned (pruned behind the look-back window). */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly bigquery: BigQuery,
    private readonly topology: Topology,
    readonly aggregation: AggregationDefinition,
    sinceMs: number,
    private readonly options: TailOptions,
  ) {
    this.cursorMs = sinceMs;
    this.floorMs = sinceMs;
  }

  /** The SQL of the next poll (exported through the instance for tests). */
  sql(): string {
    const from = new Date(Math.max(0, this.cursorMs - this.options.lookbackMs)).toISOString();
    const table = `\`${this.topology.project}.${this.topology.dataset.id}.${this.aggregation.name}_panes\``;
    return `SELECT * FROM ${table} WHERE fired_at >= TIMESTAMP('${from}') ORDER BY fired_at, pane_id`;
  }

  async poll(): Promise<Array<Record<string, unknown>>> {
    const { rows } = await runQuery(this.bigquery, this.sql(), { maxBytes: this.options.maxBytes, ...(this.options.location ? { location: this.options.location } : {}) });
    return this.accept(rows);
  }

  /** Keeps the rows not returned before and at/after `since`; advances the cursor. */
  accept(rows: ReadonlyArray<Record<string, unknown>>): Array<Record<string, unknown>> {
    const fresh: Array<Record<string, unknown>> = [];
    for (const row of rows) {
      const id = String(row.pane_id);
      const fired = timestampMs(row.fired_at) ?? 0;
      if (this.seen.has(id)) continue;
      if (fired < this.floorMs) continue;
      this.seen.set(id, fired);
      fresh.push(row);
    }
    for (const row of fresh) this.cursorMs = Math.max(this.cursorMs, timestampMs(row.fired_at) ?? 0);
    const horizon = this.cursorMs - this.options.lookbackMs;
    for (const [id, t] of this.seen) if (t < horizon) this.seen.delete(id);
    return fresh.sort((a, b) => (timestampMs(a.fired_at) ?? 0) - (timestampMs(b.fired_at) ?? 0));
  }
}

/** The aggregations to tail: the one named, or all; an unknown name lists the known ones. */
export function aggregationsToTail(all: readonly AggregationDefinition[], name: string | undefined): AggregationDefinition[] {
  if (name === undefined) return [...all];
  const a = all.find((x) => x.name === name);
  if (!a) throw new RangeError(`--aggregation must name an aggregation of the pipeline (${all.map((x) => x.name).join(', ')}); got ${name}`);
  return [a];
}
