/**
 * The cloud's rules on the emulators: the ports the stages get (`cloudPorts`, enforcing in this
 * tier) refuse what Google Cloud refuses, with the error the cloud gives and the same
 * classification (permanent), where the bare adapter on the emulator would accept the write, hang
 * on it, or fail with an error classified transient. Measured on the emulators: Pub/Sub accepts 101
 * attributes and 2,000-byte attribute values and stalls on an 11 MB message; Firestore stalls on a
 * 12 MiB commit (it does refuse a document over 1 MiB itself); the Firestore client refuses a
 * Timestamp after 9999 with a plain Error; the BigQuery emulator accepts 50,001 rows and 11 MiB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQuerySink, cloudPorts, FirestoreStateStore, PubSubPublisher } from '../../../shared/adapters';
import { isRetryable } from '../../../shared/core/errors';
import { BIGQUERY_INSERT_MAX_ROWS, FIRESTORE_MAX_DOCUMENT_BYTES, FIRESTORE_MAX_TIMESTAMP_MS, PUBSUB_MAX_ATTRIBUTES, PUBSUB_MAX_MESSAGE_BYTES } from '../../../shared/limits';
import { stackClients, uniqueName } from '../helpers';

const clients = stackClients();
const ports = cloudPorts(clients);
afterAll(async () => {
  await Promise.all([clients.pubsub.close(), clients.firestore.terminate()]);
});

/** The rejection a promise settles with (fails the test if it resolves). */
async function refusal(p: Promise<unknown>): Promise<{ code?: unknown; message: string }> {
  const outcome = await p.then(
    () => 'resolved',
    (err: unknown) => err,
  );
  expect(outcome, 'the cloud would refuse this').not.toBe('resolved');
  return outcome as { code?: unknown; message: string };
}

it('the emulator tier turns the rules on', () => {
  expect(clients.enforceCloudLimits).toBe(true);
});

describe('Firestore: the enforcing state store on the emulator', () => {
  const col = uniqueName('rules');
  const store = ports.stateStore({ timestampFields: ['expireAt'] });

  it('refuses a commit over the 10 MiB request limit with INVALID_ARGUMENT, writing nothing', async () => {
    const err = await refusal(
      store.transaction(async (tx) => {
        for (let i = 0; i < 11; i++) tx.set(`${col}/part-${i}`, { s: 'x'.repeat(1_000_000) });
      }),
    );
    expect(err).toMatchObject({ code: 3, message: expect.stringMatching(/Request payload size exceeds the limit: 10485760 bytes/) });
    expect(isRetryable(err)).toBe(false);
    expect(await store.getAll([`${col}/part-0`, `${col}/part-10`])).toEqual([undefined, undefined]);
  });

  it('refuses a Timestamp field after 9999-12-31 with INVALID_ARGUMENT (the client alone throws a plain Error)', async () => {
    const err = await refusal(store.transaction(async (tx) => tx.set(`${col}/ttl`, { expireAt: FIRESTORE_MAX_TIMESTAMP_MS + 1 })));
    expect(err).toMatchObject({ code: 3, message: expect.stringMatching(/field "expireAt" .* outside the Timestamp range/) });
    expect(isRetryable(err)).toBe(false);
    await store.transaction(async (tx) => tx.set(`${col}/ttl`, { expireAt: FIRESTORE_MAX_TIMESTAMP_MS }));
  });

  it('refuses a document over 1 MiB as the emulator does: INVALID_ARGUMENT, permanent', async () => {
    const big = { a: 'x'.repeat(600_000), b: 'y'.repeat(600_000) };
    const wrapped = await refusal(store.transaction(async (tx) => tx.set(`${col}/big`, big)));
    const bare = await refusal(new FirestoreStateStore(clients.firestore).transaction(async (tx) => tx.set(`${col}/big`, big)));
    expect(wrapped).toMatchObject({ code: 3, message: expect.stringMatching(/exceeds the maximum allowed size of 1,048,576 bytes/) });
    expect(bare).toMatchObject({ code: 3 });
    expect([isRetryable(wrapped), isRetryable(bare)]).toEqual([false, false]);
    expect(FIRESTORE_MAX_DOCUMENT_BYTES).toBe(1_048_576);
  });
});

describe('Pub/Sub: the enforcing publisher on the emulator', () => {
  const topic = uniqueName('rules');
  beforeAll(async () => {
    await clients.pubsub.createTopic(topic);
  });

  it('refuses more than 100 attributes with INVALID_ARGUMENT, which the emulator accepts', async () => {
    const attributes = Object.fromEntries(Array.from({ length: PUBSUB_MAX_ATTRIBUTES + 1 }, (_, i) => [`a${i}`, 'v']));
    await expect(new PubSubPublisher(clients.pubsub).publish(topic, [{ data: Buffer.from('x'), attributes }])).resolves.toHaveLength(1);
    const err = await refusal(ports.publisher().publish(topic, [{ data: Buffer.from('x'), attributes }]));
    expect(err).toMatchObject({ code: 3, message: expect.stringMatching(/^3 INVALID_ARGUMENT: A message has 101 attributes/) });
    expect(isRetryable(err)).toBe(false);
  });

  it('refuses a message over 10 MB at once with INVALID_ARGUMENT (the emulator stalls on it)', async () => {
    const err = await refusal(ports.publisher().publish(topic, [{ data: Buffer.alloc(PUBSUB_MAX_MESSAGE_BYTES + 1) }]));
    expect(err).toMatchObject({ code: 3, message: expect.stringMatching(/message_size is too large/) });
    expect(isRetryable(err)).toBe(false);
    await expect(ports.publisher().publish(topic, [{ data: Buffer.from('fine'), attributes: { a: 'v' } }])).resolves.toHaveLength(1);
  });
});

describe('BigQuery: the enforcing sink on the emulator', () => {
  const dataset = uniqueName('rules', '_');
  beforeAll(async () => {
    await clients.bigquery.createDataset(dataset);
    await clients.bigquery.dataset(dataset).createTable('t', { schema: { fields: [{ name: 's', type: 'STRING' }] } });
  });
  afterAll(async () => {
    await clients.bigquery.dataset(dataset).delete({ force: true });
  });

  it('refuses more than 50,000 rows in one insert with HTTP 400, which the emulator accepts', async () => {
    const rows = Array.from({ length: BIGQUERY_INSERT_MAX_ROWS + 1 }, (_, i) => ({ json: { s: String(i) } }));
    await new BigQuerySink(clients.bigquery, dataset).insert('t', rows);
    const err = await refusal(ports.sink(dataset).insert('t', rows));
    expect(err).toMatchObject({ code: 400, message: 'too many rows present in the request, limit: 50000 row count: 50001.' });
    expect(isRetryable(err)).toBe(false);
  });

  it('refuses an insert over 10 MB with HTTP 400 "Request payload size exceeds the limit", inserting nothing', async () => {
    const rows = Array.from({ length: 11 }, (_, i) => ({ insertId: `big-${i}`, json: { s: `${i}:${'x'.repeat(1_048_576)}` } }));
    const err = await refusal(ports.sink(dataset).insert('t', rows));
    expect(err).toMatchObject({ code: 400, message: 'Request payload size exceeds the limit: 10485760 bytes.' });
    expect(isRetryable(err)).toBe(false);
    const [count] = await clients.bigquery.query({ query: `SELECT COUNT(*) AS c FROM \`${dataset}.t\` WHERE STARTS_WITH(s, '0:')` });
    expect(count).toEqual([{ c: 0 }]);
  });
});
