import { checkInsertAll } from './rules/bigquery';

/** One row for a warehouse table. `insertId` lets the warehouse (and our views) deduplicate retries. */
export interface Row {
  insertId?: string;
  json: Record<string, unknown>;
}

/**
 * The warehouse (BigQuery) as a port for appends. Resolves once every row is durable; rejects with a
 * retryable error for transient failures and with a `RowsRejectedError` for rows the table refuses.
 */
export interface Sink {
  insert(table: string, rows: Row[]): Promise<void>;
}

/** Rows refused by the table (schema mismatch and the like): permanent, never retried as-is. */
export class RowsRejectedError extends Error {
  readonly retryable = false;
  constructor(
    readonly table: string,
    readonly rejected: { index: number; reason: string }[],
  ) {
    super(`${table}: ${rejected.length} row(s) rejected; first: ${rejected[0]?.reason ?? 'unknown'}`);
    this.name = 'RowsRejectedError';
  }
}

/**
 * In-memory sink for unit tests: keeps rows per table; refuses what insertAll refuses (over 50,000
 * rows or 10 MB a request) with BigQuery's HTTP 400; can be told to fail the next calls.
 */
export class FakeSink implements Sink {
  readonly tables = new Map<string, Row[]>();
  private failures: Error[] = [];

  async insert(table: string, rows: Row[]): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    checkInsertAll(rows);
    const existing = this.tables.get(table) ?? [];
    existing.push(...rows.map((r) => ({ ...r, json: structuredClone(r.json) })));
    this.tables.set(table, existing);
  }

  failNext(err: Error): void {
    this.failures.push(err);
  }

  rows(table: string): Record<string, unknown>[] {
    return (this.tables.get(table) ?? []).map((r) => r.json);
  }
}
