/**
 * Cloud Storage emulator (fake-gcs-server) smoke test: bucket, simple and resumable uploads, list
 * by prefix, download, and an object-finalize notification arriving on a Pub/Sub emulator topic.
 */
import type { Message } from '@google-cloud/pubsub';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackAdmin, stackClients, uniqueName, waitFor } from '../helpers';

describe('Cloud Storage emulator', () => {
  const { storage, pubsub } = stackClients();
  const admin = stackAdmin();
  const bucketName = uniqueName('smoke-bucket');
  const bucket = storage.bucket(bucketName);

  beforeAll(async () => {
    await storage.createBucket(bucketName);
  });

  afterAll(async () => {
    await bucket.deleteFiles({ force: true }).catch(() => {});
    await bucket.delete().catch(() => {});
    await pubsub.close();
  });

  it('uploads (simple and resumable), lists by prefix and downloads', async () => {
    const small = Buffer.from(JSON.stringify({ a: 1 }));
    await bucket.file('in/a.json').save(small, { resumable: false, contentType: 'application/json' });

    // Larger than one resumable chunk would be in production clients' defaults (8 MiB).
    const big = Buffer.alloc(9 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    await new Promise<void>((resolve, reject) => {
      const ws = bucket.file('in/big.bin').createWriteStream({ resumable: true });
      ws.on('error', reject).on('finish', resolve);
      ws.end(big);
    });
    await bucket.file('out/other.txt').save('other', { resumable: false });

    const [files] = await bucket.getFiles({ prefix: 'in/' });
    expect(files.map((f) => f.name).sort()).toEqual(['in/a.json', 'in/big.bin']);

    const [meta] = await bucket.file('in/big.bin').getMetadata();
    expect(Number(meta.size)).toBe(big.length);
    const [downloaded] = await bucket.file('in/big.bin').download();
    expect(createHash('sha256').update(downloaded).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
    expect((await bucket.file('in/a.json').download())[0].toString()).toBe(small.toString());
  });

  it('publishes an OBJECT_FINALIZE notification, filtered by prefix, to a Pub/Sub emulator topic', async () => {
    const [topic] = await pubsub.createTopic(uniqueName('smoke-gcs-events'));
    const [sub] = await topic.createSubscription(uniqueName('smoke-gcs-events-pull'));
    const got: Message[] = [];
    sub.on('message', (m: Message) => {
      got.push(m);
      m.ack();
    });
    const configId = await admin.createFinalizeNotification(bucketName, topic.name, { objectNamePrefix: 'landing/' });
    expect(configId).not.toBe('');

    await bucket.file('elsewhere/ignored.csv').save('x', { resumable: false });
    await bucket.file('landing/file.csv').save('a,b\n1,2\n', { resumable: false });

    const note = await waitFor('the finalize notification', () => got.find((m) => m.attributes.objectId === 'landing/file.csv'));
    expect(note.attributes).toMatchObject({ bucketId: bucketName, eventType: 'OBJECT_FINALIZE', payloadFormat: 'JSON_API_V1' });
    const body = JSON.parse(note.data.toString()) as { name: string; bucket: string; size: string };
    expect(body).toMatchObject({ name: 'landing/file.csv', bucket: bucketName, size: String('a,b\n1,2\n'.length) });
    expect(got.map((m) => m.attributes.objectId)).not.toContain('elsewhere/ignored.csv');
    await sub.close();
    await topic.delete();
  });

  it('resetGcs deletes every bucket', async () => {
    const other = uniqueName('smoke-reset');
    await storage.createBucket(other);
    await storage.bucket(other).file('x').save('x', { resumable: false });
    await admin.resetGcs();
    const [buckets] = await storage.getBuckets();
    expect(buckets.map((b) => b.name)).not.toContain(other);
    await storage.createBucket(bucketName); // restore for afterAll
  });
});
