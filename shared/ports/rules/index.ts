/**
 * The cloud's rules at the ports: one checker per service (shared/limits holds the numbers), used by
 * the in-memory fakes and by the enforcing wrappers the adapters put around the real clients.
 */
export { checkInsertAll, EnforcingSink } from './bigquery';
export { EnforcingStateStore, FirestoreCommitRules } from './firestore';
export { checkPubSubMessages, EnforcingPublisher } from './pubsub';
export { badRequest, CloudRejection, invalidArgument } from './rejection';
