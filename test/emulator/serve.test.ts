/**
 * The functions-framework host on its own (no emulator): several functions on one port, routed by
 * the first path segment, each receiving a Pub/Sub push body as a messagePublished CloudEvent.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveFunctions, type ServedFunctions } from '../../emulators/serve';
import { captureDeliberateThrows, type DeliberateThrows } from './deliberate-throws';

interface PushData {
  message: { data: string; attributes: Record<string, string>; messageId: string };
}

describe('serveFunctions', () => {
  const calls: { fn: string; event: CloudEvent<PushData> }[] = [];
  let served: ServedFunctions;
  let throws: DeliberateThrows;

  beforeAll(async () => {
    throws = captureDeliberateThrows();
    served = await serveFunctions({
      first: { cloudEvent: (event) => void calls.push({ fn: 'first', event: event as CloudEvent<PushData> }) },
      second: { cloudEvent: (event) => void calls.push({ fn: 'second', event: event as CloudEvent<PushData> }) },
      failing: {
        cloudEvent: () => {
          throw throws.deliberate(new Error('nope'));
        },
      },
      health: { http: (_req, res) => void res.status(200).send('ok') },
    });
  });

  afterAll(async () => {
    await served.close();
    throws.restore();
  });

  const push = (url: string, id: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription: 'projects/p/subscriptions/s',
        message: { data: Buffer.from(`payload-${id}`).toString('base64'), attributes: { id }, messageId: id, publishTime: '2026-01-01T00:00:00Z' },
      }),
    });

  it('routes a push to the named function as a CloudEvent', async () => {
    const res1 = await push(served.pushEndpoint('first', 'projects/p/topics/alpha'), 'm1');
    const res2 = await push(served.pushEndpoint('second', { project: 'p', topic: 'beta' }), 'm2');
    expect([res1.status, res2.status]).toEqual([204, 204]);
    expect(calls.map((c) => [c.fn, c.event.id, c.event.source, c.event.type])).toEqual([
      ['first', 'm1', '//pubsub.googleapis.com/projects/p/topics/alpha', 'google.cloud.pubsub.topic.v1.messagePublished'],
      ['second', 'm2', '//pubsub.googleapis.com/projects/p/topics/beta', 'google.cloud.pubsub.topic.v1.messagePublished'],
    ]);
    expect(Buffer.from(calls[0]!.event.data!.message.data, 'base64').toString()).toBe('payload-m1');
    expect(calls[1]!.event.data!.message.attributes).toEqual({ id: 'm2' });
  });

  it('answers 500 when the function throws (so Pub/Sub redelivers), 404 for an unknown function', async () => {
    expect((await push(served.pushEndpoint('failing', 'projects/p/topics/t'), 'm3')).status).toBe(500);
    expect(throws.logged).toEqual([expect.stringMatching(/^Error: nope\n/)]);
    expect((await push(`${served.url}/nobody/projects/p/topics/t`, 'm4')).status).toBe(404);
  });

  it('serves HTTP functions too', async () => {
    const res = await fetch(served.urlOf('health'));
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
  });

  it('rejects a malformed topic', () => {
    expect(() => served.pushEndpoint('first', 'alpha')).toThrow(/projects\/<p>\/topics\/<t>/);
  });
});
