/**
 * The official Google Cloud clients, built once per process: wired to the local emulators when
 * their endpoints are configured, to real Google Cloud otherwise.
 *
 * Endpoints are passed as client options, not through `*_EMULATOR_HOST` variables, because two
 * of those variables break the Node clients against the emulators: `BIGQUERY_EMULATOR_HOST` and
 * `STORAGE_EMULATOR_HOST` replace the whole base URL and drop the `/bigquery/v2` and
 * `/storage/v1` prefixes the emulators route on. `createClients` refuses to run with either set.
 */
import { BigQuery } from '@google-cloud/bigquery';
import { managedwriter } from '@google-cloud/bigquery-storage';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import { credentials } from '@grpc/grpc-js';
import { ConfigError } from '../core/errors';

/** Where the clients connect. Any endpoint left out means real Google Cloud for that service. */
export interface ClientsConfig {
  projectId: string;
  /** `host:port` of the Pub/Sub emulator. */
  pubsubEmulatorHost?: string;
  /** `host:port` of the Firestore emulator. */
  firestoreEmulatorHost?: string;
  /** `http://host:port` of the BigQuery emulator's REST API. */
  bigqueryEndpoint?: string;
  /** Port of the BigQuery emulator's gRPC API (Storage Write/Read), on the REST endpoint's host. */
  bigqueryGrpcPort?: number;
  /** `http://host:port` of the Cloud Storage emulator. */
  gcsEndpoint?: string;
  /**
   * Put the ports built over these clients (`cloudPorts`) behind the cloud's rules (document, message
   * and request sizes, Timestamp range), which the emulators do not enforce. The local stack and
   * the emulator tier always set it (`SLUICE_ENFORCE_CLOUD_LIMITS=1`); Google Cloud enforces them itself.
   */
  enforceCloudLimits?: boolean;
}

/** The four clients every stage and the local tooling share. */
export interface Clients {
  pubsub: PubSub;
  firestore: Firestore;
  bigquery: BigQuery;
  storage: Storage;
  /** From ClientsConfig: whether `cloudPorts` wraps the adapters in the cloud's rules. */
  enforceCloudLimits: boolean;
}

/**
 * Reads ClientsConfig from an environment (the process's by default; the local stack's via
 * `stackEnvRecord(readStackEnv())`). Project: `SLUICE_PROJECT`, else `GOOGLE_CLOUD_PROJECT`,
 * else `GCLOUD_PROJECT`. Emulators: `PUBSUB_EMULATOR_HOST`, `FIRESTORE_EMULATOR_HOST`,
 * `SLUICE_BIGQUERY_ENDPOINT`, `SLUICE_BIGQUERY_GRPC_PORT`, `SLUICE_GCS_ENDPOINT`. The cloud's
 * rules on the ports: `SLUICE_ENFORCE_CLOUD_LIMITS` (`1` on, `0` or unset off).
 */
export function loadClientsConfig(env: Record<string, string | undefined> = process.env): ClientsConfig {
  const projectId = env.SLUICE_PROJECT || env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT;
  if (!projectId) {
    throw new ConfigError('SLUICE_PROJECT', 'no project id; set SLUICE_PROJECT (or GOOGLE_CLOUD_PROJECT) to the Google Cloud project, e.g. sluice-local for the emulators');
  }
  for (const key of ['BIGQUERY_EMULATOR_HOST', 'STORAGE_EMULATOR_HOST'] as const) {
    if (env[key]) {
      throw new ConfigError(key, `breaks the Node client's URL paths against the emulators; unset it and set ${key === 'BIGQUERY_EMULATOR_HOST' ? 'SLUICE_BIGQUERY_ENDPOINT' : 'SLUICE_GCS_ENDPOINT'}=http://host:port instead`);
    }
  }
  const cfg: ClientsConfig = { projectId };
  if (env.PUBSUB_EMULATOR_HOST) cfg.pubsubEmulatorHost = env.PUBSUB_EMULATOR_HOST;
  if (env.FIRESTORE_EMULATOR_HOST) cfg.firestoreEmulatorHost = env.FIRESTORE_EMULATOR_HOST;
  if (env.SLUICE_BIGQUERY_ENDPOINT) cfg.bigqueryEndpoint = env.SLUICE_BIGQUERY_ENDPOINT;
  if (env.SLUICE_GCS_ENDPOINT) cfg.gcsEndpoint = env.SLUICE_GCS_ENDPOINT;
  if (env.SLUICE_BIGQUERY_GRPC_PORT) {
    const port = Number(env.SLUICE_BIGQUERY_GRPC_PORT);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new ConfigError('SLUICE_BIGQUERY_GRPC_PORT', `must be a TCP port (1–65535); got ${JSON.stringify(env.SLUICE_BIGQUERY_GRPC_PORT)}`);
    }
    cfg.bigqueryGrpcPort = port;
  }
  const enforce = env.SLUICE_ENFORCE_CLOUD_LIMITS;
  if (enforce !== undefined && enforce !== '' && enforce !== '0' && enforce !== '1') {
    throw new ConfigError('SLUICE_ENFORCE_CLOUD_LIMITS', `must be 1 (enforce the cloud's limits on the emulators) or 0; got ${JSON.stringify(enforce)}`);
  }
  if (enforce === '1') cfg.enforceCloudLimits = true;
  return cfg;
}

/** Builds the four clients. Cheap to call once at module scope; never per request. */
export function createClients(cfg: ClientsConfig): Clients {
  for (const key of ['BIGQUERY_EMULATOR_HOST', 'STORAGE_EMULATOR_HOST'] as const) {
    if (process.env[key]) {
      throw new ConfigError(key, `is set in this process and would override the client's endpoint with a wrong base path; unset it (use ClientsConfig.${key === 'BIGQUERY_EMULATOR_HOST' ? 'bigqueryEndpoint' : 'gcsEndpoint'})`);
    }
  }
  const { projectId } = cfg;
  return {
    pubsub: cfg.pubsubEmulatorHost
      ? new PubSub({ projectId, apiEndpoint: cfg.pubsubEmulatorHost, emulatorMode: true })
      : new PubSub({ projectId }),
    firestore: cfg.firestoreEmulatorHost
      ? // ssl: false makes the client send the emulator's admin token instead of real credentials.
        new Firestore({ projectId, host: cfg.firestoreEmulatorHost, ssl: false })
      : new Firestore({ projectId }),
    bigquery: cfg.bigqueryEndpoint ? new BigQuery({ projectId, apiEndpoint: cfg.bigqueryEndpoint }) : new BigQuery({ projectId }),
    storage: cfg.gcsEndpoint ? new Storage({ projectId, apiEndpoint: cfg.gcsEndpoint }) : new Storage({ projectId }),
    enforceCloudLimits: cfg.enforceCloudLimits === true,
  };
}

/**
 * A BigQuery Storage Write API client (`managedwriter`), on the emulator's gRPC port when
 * configured (insecure channel), on Google Cloud otherwise.
 */
export function createBigQueryWriterClient(cfg: ClientsConfig): managedwriter.WriterClient {
  if (cfg.bigqueryEndpoint && cfg.bigqueryGrpcPort === undefined) {
    throw new ConfigError('SLUICE_BIGQUERY_GRPC_PORT', 'the BigQuery endpoint is an emulator but its gRPC port is not configured; the Storage Write API needs it');
  }
  if (cfg.bigqueryEndpoint) {
    return new managedwriter.WriterClient({
      projectId: cfg.projectId,
      apiEndpoint: new URL(cfg.bigqueryEndpoint).hostname,
      port: cfg.bigqueryGrpcPort,
      sslCreds: credentials.createInsecure(),
    });
  }
  return new managedwriter.WriterClient({ projectId: cfg.projectId });
}
