export { BigQuerySink } from './bigquery-sink';
export { type CloudPorts, cloudPorts } from './cloud-ports';
export { type Clients, type ClientsConfig, createBigQueryWriterClient, createClients, loadClientsConfig } from './clients';
export { FirestoreStateStore, type FirestoreStateStoreOptions } from './firestore-state-store';
export { GcsObjectStore } from './gcs-object-store';
export { PubSubPublisher } from './pubsub-publisher';
