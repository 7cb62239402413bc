/**
 * BigQuery's limits on streaming inserts (`tabledata.insertAll`), the API the sink uses:
 * https://cloud.google.com/bigquery/quotas#streaming_inserts. BigQuery's "MB" is binary: an
 * oversized request is answered "Request payload size exceeds the limit: 10485760 bytes."
 * (HTTP 400 `badRequest`, status INVALID_ARGUMENT; a vastly larger one gets 413 from Google's
 * front end — googleapis/google-cloud-go#2855, googleapis/python-bigquery#1409).
 */

/** "HTTP request size limit: 10 MB" — https://cloud.google.com/bigquery/quotas#streaming_inserts */
export const BIGQUERY_INSERT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/** "Maximum row size: 10 MB" — https://cloud.google.com/bigquery/quotas#streaming_inserts (no larger than a request) */
export const BIGQUERY_INSERT_MAX_ROW_BYTES = 10 * 1024 * 1024;

/** "Maximum rows per request: 50,000 rows" — https://cloud.google.com/bigquery/quotas#streaming_inserts */
export const BIGQUERY_INSERT_MAX_ROWS = 50_000;

/** "A maximum of 500 rows is recommended" per request — https://cloud.google.com/bigquery/quotas#streaming_inserts */
export const BIGQUERY_INSERT_RECOMMENDED_ROWS = 500;

/** One row as insertAll takes it. */
export interface InsertAllRow {
  insertId?: string;
  json: Record<string, unknown>;
}

/** Bytes of the insertAll request body the client sends for `rows`: `{"rows":[{"insertId":…,"json":{…}},…]}`. */
export function insertAllRequestSize(rows: readonly InsertAllRow[]): number {
  return Buffer.byteLength(JSON.stringify({ rows: rows.map((r) => (r.insertId === undefined ? { json: r.json } : { insertId: r.insertId, json: r.json })) }), 'utf8');
}
