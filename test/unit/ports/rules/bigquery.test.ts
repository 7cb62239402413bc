import { describe, expect, it } from 'vitest';
import { isRetryable } from '../../../../shared/core/errors';
import { BIGQUERY_INSERT_MAX_REQUEST_BYTES, BIGQUERY_INSERT_MAX_ROWS, insertAllRequestSize } from '../../../../shared/limits';
import { EnforcingSink, FakeSink, type Row, type Sink } from '../../../../shared/ports';
import { fakeAndWrapper } from './subjects';

/** One row whose insertAll request is exactly `bytes`. */
function rowsOfRequestSize(bytes: number): Row[] {
  const overhead = insertAllRequestSize([{ insertId: 'r', json: { s: '' } }]);
  return [{ insertId: 'r', json: { s: 'x'.repeat(bytes - overhead) } }];
}

const small = (n: number): Row[] => Array.from({ length: n }, () => ({ json: {} }));

/** A sink that records what reaches it and enforces nothing. */
class RecordingSink implements Sink {
  readonly inserted: number[] = [];
  async insert(_table: string, rows: Row[]): Promise<void> {
    this.inserted.push(rows.length);
  }
}

describe.each(fakeAndWrapper<Sink, RecordingSink>(() => new FakeSink(), (inner) => new EnforcingSink(inner), () => new RecordingSink()))('%s refuses what insertAll refuses', (_name, make) => {
  it.each<[string, Row[], Row[], RegExp]>([
    ['request size', rowsOfRequestSize(BIGQUERY_INSERT_MAX_REQUEST_BYTES), rowsOfRequestSize(BIGQUERY_INSERT_MAX_REQUEST_BYTES + 1), /^Request payload size exceeds the limit: 10485760 bytes\.$/],
    ['rows per request', small(BIGQUERY_INSERT_MAX_ROWS), small(BIGQUERY_INSERT_MAX_ROWS + 1), /^too many rows present in the request, limit: 50000 row count: 50001\.$/],
  ])('%s: just under is inserted, just over is refused with HTTP 400', async (_limit, under, over, message) => {
    const { port: sink, inner } = make();
    await sink.insert('t', under);
    const err = await sink.insert('t', over).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 400, message: expect.stringMatching(message), errors: [{ reason: 'badRequest', domain: 'global' }] });
    expect(isRetryable(err)).toBe(false);
    if (inner) expect(inner.inserted).toEqual([under.length]);
  });
});
