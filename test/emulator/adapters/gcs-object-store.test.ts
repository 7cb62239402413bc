import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsObjectStore } from '../../../shared/adapters/gcs-object-store';
import { PreconditionFailedError } from '../../../shared/ports';
import { stackClients, uniqueName } from '../helpers';

const clients = stackClients();
const bucket = uniqueName('adapter');
const store = new GcsObjectStore(clients.storage);

beforeAll(async () => {
  await clients.storage.createBucket(bucket);
});
afterAll(async () => {
  await clients.storage.bucket(bucket).deleteFiles({ force: true });
});

describe('GcsObjectStore on fake-gcs-server', () => {
  it('writes, reads, streams and lists by prefix', async () => {
    const body = gzipSync(Buffer.from('{"a":1}\n{"a":2}\n'));
    const written = await store.write(bucket, 'raw/dt=2026-11-21/hour=07/part-1.ndjson.gz', body, { contentType: 'application/gzip' });
    expect(written.size).toBe(body.length);
    expect(written.generation).not.toBe('');
    await store.write(bucket, 'other/x.txt', Buffer.from('x'));

    expect(gunzipSync(await store.read(bucket, written.name)).toString()).toBe('{"a":1}\n{"a":2}\n');
    const chunks: Buffer[] = [];
    for await (const c of store.stream(bucket, written.name)) chunks.push(c);
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
    expect((await store.list(bucket, 'raw/')).map((o) => o.name)).toEqual([written.name]);
  });

  it('refuses to overwrite with ifGenerationMatch: 0', async () => {
    await store.write(bucket, 'once.txt', Buffer.from('first'), { ifGenerationMatch: 0 });
    await expect(store.write(bucket, 'once.txt', Buffer.from('second'), { ifGenerationMatch: 0 })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.read(bucket, 'once.txt')).toString()).toBe('first');
  });
});
