import type { BigQuery } from '@google-cloud/bigquery';
import { type Row, RowsRejectedError, type Sink } from '../ports/sink';

interface InsertErrorEntry {
  row?: unknown;
  errors?: { reason?: string; message?: string }[];
}

/** Reasons BigQuery gives for rows that can never be inserted as they are. */
const PERMANENT_ROW_REASONS = new Set(['invalid', 'invalidQuery', 'notFound']);

/**
 * Sink over BigQuery streaming inserts (`tabledata.insertAll`) with `insertId` for best-effort
 * dedupe. Correctness never relies on that dedupe (the emulators do not implement it): the views
 * deduplicate by id. Rows refused by the table raise `RowsRejectedError` (permanent); rows that were
 * only "stopped" because others in the request were invalid are retried once without them.
 */
export class BigQuerySink implements Sink {
  constructor(
    private readonly bigquery: BigQuery,
    private readonly dataset: string,
  ) {}

  async insert(table: string, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    const target = this.bigquery.dataset(this.dataset).table(table);
    const raw = rows.map((r) => (r.insertId ? { insertId: r.insertId, json: r.json } : { json: r.json }));
    try {
      await target.insert(raw, { raw: true });
    } catch (err) {
      const entries = (err as { name?: string; errors?: InsertErrorEntry[] }).errors;
      if ((err as { name?: string }).name !== 'PartialFailureError' || !Array.isArray(entries)) throw err;
      const rejected: { index: number; reason: string }[] = [];
      const stopped: Row[] = [];
      for (const entry of entries) {
        const index = raw.indexOf(entry.row as (typeof raw)[number]);
        const reasons = entry.errors ?? [];
        if (reasons.some((e) => PERMANENT_ROW_REASONS.has(e.reason ?? ''))) {
          rejected.push({ index, reason: reasons.map((e) => `${e.reason}: ${e.message}`).join('; ') });
        } else if (index >= 0 && rows[index]) {
          stopped.push(rows[index]);
        }
      }
      if (stopped.length > 0) await target.insert(stopped.map((r) => ({ insertId: r.insertId, json: r.json })), { raw: true });
      if (rejected.length > 0) throw new RowsRejectedError(table, rejected);
    }
  }
}
