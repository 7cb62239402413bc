import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQuerySink } from '../../../shared/adapters/bigquery-sink';
import { RowsRejectedError } from '../../../shared/ports';
import { stackClients, uniqueName } from '../helpers';

const clients = stackClients();
const dataset = uniqueName('sink', '_');

beforeAll(async () => {
  await clients.bigquery.createDataset(dataset);
  await clients.bigquery.dataset(dataset).createTable('t', {
    schema: { fields: [{ name: 'id', type: 'STRING', mode: 'REQUIRED' }, { name: 'n', type: 'INT64' }] },
  });
});
afterAll(async () => {
  await clients.bigquery.dataset(dataset).delete({ force: true });
});

describe('BigQuerySink on the BigQuery emulator', () => {
  it('inserts rows that a query then returns', async () => {
    const sink = new BigQuerySink(clients.bigquery, dataset);
    await sink.insert('t', [
      { insertId: 'a', json: { id: 'a', n: 1 } },
      { insertId: 'b', json: { id: 'b', n: 2 } },
    ]);
    const [rows] = await clients.bigquery.query({ query: `SELECT id, n FROM \`${dataset}.t\` ORDER BY id` });
    expect(rows).toEqual([{ id: 'a', n: 1 }, { id: 'b', n: 2 }]);
  });

  it('surfaces a row the table refuses as RowsRejectedError, or stores it — never drops it silently', async () => {
    const sink = new BigQuerySink(clients.bigquery, dataset);
    const outcome = await sink.insert('t', [{ insertId: 'c', json: { n: 3 } }]).then(
      () => 'stored',
      (err: unknown) => (err instanceof RowsRejectedError ? 'rejected' : `other: ${String(err)}`),
    );
    const [rows] = await clients.bigquery.query({ query: `SELECT COUNT(*) AS c FROM \`${dataset}.t\` WHERE n = 3` });
    if (outcome === 'stored') expect(rows).toEqual([{ c: 1 }]);
    else expect(outcome).toBe('rejected');
  });
});
