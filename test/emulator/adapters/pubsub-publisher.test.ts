import { afterAll, describe, expect, it } from 'vitest';
import { PubSubPublisher } from '../../../shared/adapters/pubsub-publisher';
import { stackClients, uniqueName, waitFor } from '../helpers';

const clients = stackClients();
afterAll(() => clients.pubsub.close());

describe('PubSubPublisher on the Pub/Sub emulator', () => {
  it('publishes with attributes and ordering keys, delivered in order per key', async () => {
    const topicName = uniqueName('pub');
    const [topic] = await clients.pubsub.createTopic(topicName);
    const [sub] = await topic.createSubscription(`${topicName}-sub`, { enableMessageOrdering: true });
    const received: { key: string; n: number; attr: string | undefined }[] = [];
    sub.on('message', (m) => {
      received.push({ key: m.orderingKey ?? '', n: Number(m.data.toString()), attr: m.attributes.kind });
      m.ack();
    });
    const publisher = new PubSubPublisher(clients.pubsub);
    const messages = Array.from({ length: 20 }, (_, i) => ({
      data: Buffer.from(String(i)),
      attributes: { kind: 'test' },
      orderingKey: `agg/${i % 2}`,
    }));
    const ids = await publisher.publish(topicName, messages);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    await waitFor('20 messages', () => (received.length >= 20 ? true : undefined));
    await sub.close();
    for (const key of ['agg/0', 'agg/1']) {
      const ns = received.filter((r) => r.key === key).map((r) => r.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
      expect(ns).toHaveLength(10);
    }
    expect(received.every((r) => r.attr === 'test')).toBe(true);
  });
});
