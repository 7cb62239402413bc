/**
 * The ports over the official clients, built in one place: the adapters, each behind the cloud's
 * rules (shared/ports/rules) when the clients say so (`SLUICE_ENFORCE_CLOUD_LIMITS=1`, which the
 * local stack and the emulator tier always set), so a write Google Cloud would refuse is refused on
 * the emulators too, with the same error. In Google Cloud the services enforce the rules themselves.
 */
import type { ObjectStore } from '../ports/object-store';
import type { Publisher } from '../ports/publisher';
import { EnforcingSink, EnforcingPublisher, EnforcingStateStore } from '../ports/rules';
import type { Sink } from '../ports/sink';
import type { StateStore } from '../ports/state-store';
import { BigQuerySink } from './bigquery-sink';
import type { Clients } from './clients';
import { FirestoreStateStore, type FirestoreStateStoreOptions } from './firestore-state-store';
import { GcsObjectStore } from './gcs-object-store';
import { PubSubPublisher } from './pubsub-publisher';

export interface CloudPorts {
  /** Firestore; `timestampFields` are stored as Timestamps (TTL fields such as `expireAt`). */
  stateStore(options?: FirestoreStateStoreOptions): StateStore;
  /** Pub/Sub. */
  publisher(): Publisher;
  /** BigQuery streaming inserts into `dataset`. */
  sink(dataset: string): Sink;
  /** Cloud Storage. */
  objectStore(): ObjectStore;
}

export function cloudPorts(clients: Clients): CloudPorts {
  const enforce = clients.enforceCloudLimits;
  return {
    stateStore: (options = {}) => {
      const store = new FirestoreStateStore(clients.firestore, options);
      return enforce ? new EnforcingStateStore(store, { timestampFields: options.timestampFields ?? [] }) : store;
    },
    publisher: () => {
      const publisher = new PubSubPublisher(clients.pubsub);
      return enforce ? new EnforcingPublisher(publisher) : publisher;
    },
    sink: (dataset) => {
      const sink = new BigQuerySink(clients.bigquery, dataset);
      return enforce ? new EnforcingSink(sink) : sink;
    },
    objectStore: () => new GcsObjectStore(clients.storage),
  };
}
