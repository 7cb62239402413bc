import type { PubSub, Topic } from '@google-cloud/pubsub';
import { PUBSUB_MAX_MESSAGES_PER_PUBLISH } from '../limits';
import type { OutboundMessage, Publisher } from '../ports/publisher';

/**
 * Publisher over the official Pub/Sub client. Topics are opened once and reused. Messages with an
 * ordering key are published with ordering enabled; after a failed publish for a key the client
 * pauses that key, so it is resumed before the error propagates — the caller's retry (redelivery)
 * can then publish again.
 */
export class PubSubPublisher implements Publisher {
  private readonly topics = new Map<string, Topic>();

  constructor(
    private readonly pubsub: PubSub,
    /** Client-side batching: how long to wait to fill a publish request. Small, as stages already bundle. */
    private readonly maxBatchDelayMs = 5,
  ) {}

  async publish(topicName: string, messages: OutboundMessage[]): Promise<string[]> {
    const topic = this.topic(topicName);
    return Promise.all(
      messages.map(async (m) => {
        try {
          return await topic.publishMessage({
            data: m.data,
            ...(m.attributes ? { attributes: m.attributes } : {}),
            ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}),
          });
        } catch (err) {
          if (m.orderingKey) topic.resumePublishing(m.orderingKey);
          throw err;
        }
      }),
    );
  }

  private topic(name: string): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = this.pubsub.topic(name, {
        messageOrdering: true,
        batching: { maxMessages: PUBSUB_MAX_MESSAGES_PER_PUBLISH, maxMilliseconds: this.maxBatchDelayMs },
      });
      this.topics.set(name, t);
    }
    return t;
  }
}
