/**
 * Pub/Sub's rules for a published message, as the service enforces them and the emulator does not.
 * Used by FakePublisher and by EnforcingPublisher around the real adapter.
 *
 * Per-request limits (1,000 messages, 10 MB) are the client's to keep: it batches a port call's
 * messages into requests within them (the adapter's batching settings derive from the same
 * constants), so a port call may carry any number of messages.
 */
import {
  PUBSUB_MAX_ATTRIBUTE_KEY_BYTES,
  PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES,
  PUBSUB_MAX_ATTRIBUTES,
  PUBSUB_MAX_MESSAGE_BYTES,
  PUBSUB_MAX_ORDERING_KEY_BYTES,
  pubsubMessageSize,
} from '../../limits';
import type { OutboundMessage, Publisher } from '../publisher';
import { invalidArgument } from './rejection';

const QUOTAS = 'Refer to https://cloud.google.com/pubsub/quotas for more information.';

/**
 * Refuses what Pub/Sub refuses in a published message: no data and no attributes, more than 100
 * attributes, an attribute key over 256 bytes or value over 1,024 bytes, an ordering key over 1 KB,
 * a message over 10 MB. One refused message refuses the call (as one refused message fails its
 * publish request); nothing is published.
 *
 * @throws CloudRejection (INVALID_ARGUMENT)
 */
export function checkPubSubMessages(messages: readonly OutboundMessage[]): void {
  for (const m of messages) {
    const attributes = Object.entries(m.attributes ?? {});
    if (m.data.byteLength === 0 && attributes.length === 0) {
      throw invalidArgument('Some messages are empty: a message must contain either a non-empty data field or at least one attribute.');
    }
    if (attributes.length > PUBSUB_MAX_ATTRIBUTES) {
      throw invalidArgument(`A message has ${attributes.length} attributes, but the maximum allowed is ${PUBSUB_MAX_ATTRIBUTES}. ${QUOTAS}`);
    }
    for (const [key, value] of attributes) {
      const keyBytes = Buffer.byteLength(key, 'utf8');
      if (keyBytes > PUBSUB_MAX_ATTRIBUTE_KEY_BYTES) {
        throw invalidArgument(`One of the attributes in the request has a key that is too long. The length is ${keyBytes} bytes, but the maximum allowed is ${PUBSUB_MAX_ATTRIBUTE_KEY_BYTES}. ${QUOTAS}`);
      }
      const valueBytes = Buffer.byteLength(value, 'utf8');
      if (valueBytes > PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES) {
        throw invalidArgument(`One of the attributes in the request has a value that is too long. The length is ${valueBytes} bytes, but the maximum allowed is ${PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES}. ${QUOTAS}`);
      }
    }
    const keyBytes = m.orderingKey ? Buffer.byteLength(m.orderingKey, 'utf8') : 0;
    if (keyBytes > PUBSUB_MAX_ORDERING_KEY_BYTES) {
      throw invalidArgument(`The ordering key is too long. The length is ${keyBytes} bytes, but the maximum allowed is ${PUBSUB_MAX_ORDERING_KEY_BYTES}. ${QUOTAS}`);
    }
    const size = pubsubMessageSize(m);
    if (size > PUBSUB_MAX_MESSAGE_BYTES) {
      throw invalidArgument(`The value for message_size is too large. You passed ${size} in the request, but the maximum value is ${PUBSUB_MAX_MESSAGE_BYTES}.`);
    }
  }
}

/** Any Publisher behind Pub/Sub's message rules: a call the cloud would refuse is refused before the inner publisher sees it. */
export class EnforcingPublisher implements Publisher {
  constructor(private readonly inner: Publisher) {}

  async publish(topic: string, messages: OutboundMessage[]): Promise<string[]> {
    checkPubSubMessages(messages);
    return this.inner.publish(topic, messages);
  }
}
