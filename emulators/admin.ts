/**
 * Emulator-only administration the official clients cannot do: wiping state between tests and
 * creating a bucket notification in the form fake-gcs-server accepts.
 *
 * Pub/Sub has no reset endpoint: use unique topic and subscription names per run.
 */
import type { StackEnv } from './env';

/** Options of a bucket → Pub/Sub notification. */
export interface NotificationOptions {
  /** Only objects whose name starts with this prefix notify. */
  objectNamePrefix?: string;
  /** Defaults to `['OBJECT_FINALIZE']`. */
  eventTypes?: ('OBJECT_FINALIZE' | 'OBJECT_DELETE' | 'OBJECT_METADATA_UPDATE' | 'OBJECT_ARCHIVE')[];
  /** Extra attributes added to every notification message. */
  customAttributes?: Record<string, string>;
}

/** Admin calls against one running stack. */
export interface EmulatorAdmin {
  /** Deletes every document of the project's default Firestore database. */
  resetFirestore(): Promise<void>;
  /** Deletes every bucket and object in fake-gcs-server. */
  resetGcs(): Promise<void>;
  /**
   * Makes `bucket` publish object notifications (JSON_API_V1 payload, `eventType` etc. as
   * attributes) to `topic` on the Pub/Sub emulator. `topic` is a short name in the stack's
   * project or a full `projects/P/topics/T`. The Node client's `bucket.createNotification`
   * sends a topic form fake-gcs-server rejects, hence this raw POST. Returns the config id.
   */
  createFinalizeNotification(bucket: string, topic: string, options?: NotificationOptions): Promise<string>;
}

export function createEmulatorAdmin(env: StackEnv): EmulatorAdmin {
  const project = env.SLUICE_PROJECT;
  return {
    async resetFirestore() {
      const url = `http://${env.FIRESTORE_EMULATOR_HOST}/emulator/v1/projects/${project}/databases/(default)/documents`;
      await expectOk(await fetch(url, { method: 'DELETE' }), 'Firestore reset');
    },
    async resetGcs() {
      await expectOk(await fetch(`${env.SLUICE_GCS_ENDPOINT}/_internal/delete_all`, { method: 'POST' }), 'GCS reset');
    },
    async createFinalizeNotification(bucket, topic, options = {}) {
      const body: Record<string, unknown> = {
        topic: topic.startsWith('projects/') ? topic : `projects/${project}/topics/${topic}`,
        payload_format: 'JSON_API_V1',
        event_types: options.eventTypes ?? ['OBJECT_FINALIZE'],
      };
      if (options.objectNamePrefix) body.object_name_prefix = options.objectNamePrefix;
      if (options.customAttributes) body.custom_attributes = options.customAttributes;
      const res = await fetch(`${env.SLUICE_GCS_ENDPOINT}/storage/v1/b/${encodeURIComponent(bucket)}/notificationConfigs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await expectOk(res, `notification config on bucket ${bucket}`);
      const created = (await res.json()) as { id?: string };
      return String(created.id ?? '');
    },
  };
}

async function expectOk(res: Response, what: string): Promise<void> {
  if (!res.ok) {
    throw new Error(`${what} failed: HTTP ${res.status} ${await res.text().catch(() => '')}`.trim());
  }
}
