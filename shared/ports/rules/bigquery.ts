/**
 * BigQuery's rules for one streaming insert (`tabledata.insertAll`), as the service enforces them
 * and the emulator does not: at most 50,000 rows and 10 MB of request. Used by FakeSink and by
 * EnforcingSink around the real adapter.
 */
import { BIGQUERY_INSERT_MAX_REQUEST_BYTES, BIGQUERY_INSERT_MAX_ROWS, insertAllRequestSize } from '../../limits';
import type { Row, Sink } from '../sink';
import { badRequest } from './rejection';

/**
 * Refuses an insert BigQuery refuses as a whole (HTTP 400, nothing inserted).
 *
 * @throws CloudRejection (400 badRequest)
 */
export function checkInsertAll(rows: readonly Row[]): void {
  if (rows.length > BIGQUERY_INSERT_MAX_ROWS) {
    throw badRequest(`too many rows present in the request, limit: ${BIGQUERY_INSERT_MAX_ROWS} row count: ${rows.length}.`);
  }
  if (insertAllRequestSize(rows) > BIGQUERY_INSERT_MAX_REQUEST_BYTES) {
    throw badRequest(`Request payload size exceeds the limit: ${BIGQUERY_INSERT_MAX_REQUEST_BYTES} bytes.`);
  }
}

/** Any Sink behind BigQuery's insertAll rules: an insert the cloud would refuse is refused before the inner sink sees it. */
export class EnforcingSink implements Sink {
  constructor(private readonly inner: Sink) {}

  async insert(table: string, rows: Row[]): Promise<void> {
    checkInsertAll(rows);
    return this.inner.insert(table, rows);
  }
}
