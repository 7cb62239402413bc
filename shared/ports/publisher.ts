import { checkPubSubMessages } from './rules/pubsub';

/** One message to publish. `orderingKey` requires a subscription with message ordering to take effect. */
export interface OutboundMessage {
  data: Buffer;
  attributes?: Record<string, string>;
  orderingKey?: string;
}

/** Publishing as a port. Resolves only once Pub/Sub has accepted every message (durable). */
export interface Publisher {
  /** Publish to a topic by its short name; resolves to the message ids in order. */
  publish(topic: string, messages: OutboundMessage[]): Promise<string[]>;
}

export interface PublishedMessage extends OutboundMessage {
  topic: string;
  id: string;
}

/**
 * In-memory publisher for unit tests: records every message; refuses what Pub/Sub refuses (message
 * size, attributes, ordering key) with its INVALID_ARGUMENT; can be told to fail the next calls.
 */
export class FakePublisher implements Publisher {
  readonly published: PublishedMessage[] = [];
  private failures: Error[] = [];
  private nextId = 1;

  async publish(topic: string, messages: OutboundMessage[]): Promise<string[]> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    checkPubSubMessages(messages);
    return messages.map((m) => {
      const id = String(this.nextId++);
      this.published.push({ ...m, topic, id });
      return id;
    });
  }

  /** The next `publish` call rejects with `err` (queue several to fail several calls). */
  failNext(err: Error): void {
    this.failures.push(err);
  }

  on(topic: string): PublishedMessage[] {
    return this.published.filter((m) => m.topic === topic);
  }
}
