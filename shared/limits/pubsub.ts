/**
 * Pub/Sub's documented resource limits on publishing:
 * https://cloud.google.com/pubsub/quotas#resource_limits. Pub/Sub's "MB" is decimal: the API's
 * publish request cap is 10,000,000 bytes (`Publisher.getApiMaxRequestBytes()` in
 * googleapis/java-pubsub: "10L * 1000L * 1000L // 10 megabytes"; the service answers a larger one
 * with "The value for request_size is too large … the maximum value is 10000000").
 */

/** "Message size: 10 MB" — https://cloud.google.com/pubsub/quotas#resource_limits */
export const PUBSUB_MAX_MESSAGE_BYTES = 10_000_000;

/** "Publish request: 10 MB (total size)" — https://cloud.google.com/pubsub/quotas#resource_limits */
export const PUBSUB_MAX_PUBLISH_REQUEST_BYTES = 10_000_000;

/** "Publish request: 1,000 messages" — https://cloud.google.com/pubsub/quotas#resource_limits */
export const PUBSUB_MAX_MESSAGES_PER_PUBLISH = 1_000;

/** "Attributes per message: 100" — https://cloud.google.com/pubsub/quotas#resource_limits */
export const PUBSUB_MAX_ATTRIBUTES = 100;

/** "Attribute key size: 256 bytes" — https://cloud.google.com/pubsub/quotas#resource_limits */
export const PUBSUB_MAX_ATTRIBUTE_KEY_BYTES = 256;

/** "Attribute value size: 1,024 bytes" — https://cloud.google.com/pubsub/quotas#resource_limits */
export const PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES = 1_024;

/** "Ordering key size: 1 KB" — https://cloud.google.com/pubsub/quotas#resource_limits */
export const PUBSUB_MAX_ORDERING_KEY_BYTES = 1_024;

/**
 * "Publish throughput per ordering key: 1 MBps" — https://cloud.google.com/pubsub/quotas#resource_limits.
 * A rate, not a size: exceeding it is a transient (RESOURCE_EXHAUSTED-style) condition, so it is
 * recorded here and not enforced by the size checks.
 */
export const PUBSUB_MAX_BYTES_PER_SECOND_PER_ORDERING_KEY = 1_000_000;

/** The parts of a message its size is made of. */
export interface PubSubMessageParts {
  data: Uint8Array;
  attributes?: Record<string, string>;
  orderingKey?: string;
}

/**
 * A message's size against the 10 MB limit: its data, every attribute key and value (UTF-8), and its
 * ordering key. The Node client counts data and attributes the same way (`calculateMessageSize`).
 */
export function pubsubMessageSize(m: PubSubMessageParts): number {
  let n = m.data.byteLength;
  for (const [k, v] of Object.entries(m.attributes ?? {})) n += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  if (m.orderingKey) n += Buffer.byteLength(m.orderingKey, 'utf8');
  return n;
}
