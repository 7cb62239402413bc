/**
 * The cloud's rules, in one place: the documented limits of the Google Cloud services sluice writes
 * to, each beside the page it comes from, and the pure size functions they are measured with. The
 * in-memory fakes of the ports and the enforcing wrappers of the real adapters (shared/ports/rules)
 * check against these; budgets elsewhere derive from them.
 */
export {
  BIGQUERY_INSERT_MAX_REQUEST_BYTES,
  BIGQUERY_INSERT_MAX_ROW_BYTES,
  BIGQUERY_INSERT_MAX_ROWS,
  BIGQUERY_INSERT_RECOMMENDED_ROWS,
  type InsertAllRow,
  insertAllRequestSize,
} from './bigquery';
export {
  FIRESTORE_MAX_DOCUMENT_BYTES,
  FIRESTORE_MAX_REQUEST_BYTES,
  FIRESTORE_MAX_TIMESTAMP_MS,
  FIRESTORE_MIN_TIMESTAMP_MS,
  firestoreCommitSize,
  firestoreDocumentNameSize,
  firestoreDocumentSize,
  firestoreFieldsSize,
  firestoreStringSize,
  firestoreValueSize,
  type FirestoreWrite,
  isFirestoreTimestampMs,
} from './firestore';
export { FUNCTIONS_MAX_EVENT_BYTES, FUNCTIONS_MAX_HTTP_REQUEST_BYTES } from './functions';
export {
  PUBSUB_MAX_ATTRIBUTE_KEY_BYTES,
  PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES,
  PUBSUB_MAX_ATTRIBUTES,
  PUBSUB_MAX_BYTES_PER_SECOND_PER_ORDERING_KEY,
  PUBSUB_MAX_MESSAGE_BYTES,
  PUBSUB_MAX_MESSAGES_PER_PUBLISH,
  PUBSUB_MAX_ORDERING_KEY_BYTES,
  PUBSUB_MAX_PUBLISH_REQUEST_BYTES,
  type PubSubMessageParts,
  pubsubMessageSize,
} from './pubsub';
