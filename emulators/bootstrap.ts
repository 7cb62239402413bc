/**
 * Creates on the local emulators everything a topology lists — the same data structure the
 * Pulumi program deploys, so local equals cloud: topics; subscriptions (push to the stages that
 * are served, with dead-letter policy, retry policy, ack deadline and ordering); the BigQuery
 * dataset, tables (schema, partitioning, clustering) and views; the buckets; and the landing
 * bucket's object-finalize notification to the files topic.
 *
 * Idempotent: a resource that exists is left alone (and reported `exists`), except where a
 * re-run must change it — a push endpoint moves (the dev server listens on a new port each run,
 * or a stage became served) and a view's SQL changed; those are `updated`. Anything else that
 * differs from the topology and cannot be changed in place is reported as `drift`, never
 * silently accepted: delete the resource (or restart the stack) to recreate it.
 */
import type { CreateSubscriptionOptions, GetSubscriptionMetadataResponse } from '@google-cloud/pubsub';
import type { Clients } from '../shared/adapters/clients';
import { sha256Hex } from '../shared/core/hash';
import {
  pushEndpoint,
  type BigQueryField,
  type BucketSpec,
  type FunctionStage,
  type SubscriptionSpec,
  type TableSpec,
  type Topology,
  type ViewSpec,
} from '../shared/topology';
import type { EmulatorAdmin } from './admin';

/** What happened to one resource. */
export type BootstrapAction = 'created' | 'exists' | 'updated' | 'skipped' | 'drift';

export type ResourceKind = 'topic' | 'subscription' | 'dataset' | 'table' | 'view' | 'bucket' | 'notification';

export interface BootstrapEntry {
  kind: ResourceKind;
  name: string;
  action: BootstrapAction;
  /** Why it was skipped, updated or drifted; for subscriptions, how it delivers. */
  detail?: string;
}

export interface BootstrapSummary {
  pipeline: string;
  project: string;
  entries: BootstrapEntry[];
  /** Per subscription: its push endpoint, `pull`, or `skipped`. */
  delivery: Record<string, string>;
  /** Stages whose subscriptions exist but do not push (their stage is not served). */
  unservedStages: FunctionStage[];
  /** True when anything was created or updated. */
  changed: boolean;
  /** Entries with action `drift`. */
  drift: BootstrapEntry[];
}

export interface BootstrapOptions {
  /**
   * Base URL of a served stage (e.g. `served.urlOf(stage)`); `undefined` = not served. The push
   * endpoint is `pushEndpoint(base, delivery.path)`. Omitted: no stage is served.
   */
  pushBaseUrl?: (stage: FunctionStage) => string | undefined;
  /**
   * A push subscription whose stage is not served: `pull` (default) creates it without a push
   * endpoint so messages wait in it and flow once the stage is served (a later run switches it to
   * push); `skip` does not create it.
   */
  unserved?: 'pull' | 'skip';
  /**
   * Emulator admin for the landing bucket's finalize notification (the Node client's
   * `createNotification` sends a form fake-gcs-server rejects). Omitted: the notification is skipped.
   */
  admin?: EmulatorAdmin;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** Creates (or verifies) every emulator resource of `topology`. Safe to re-run. */
export async function bootstrapTopology(topology: Topology, clients: Clients, options: BootstrapOptions = {}): Promise<BootstrapSummary> {
  const entries: BootstrapEntry[] = [];
  const delivery: Record<string, string> = {};
  const unserved = new Set<FunctionStage>();
  const log = options.log ?? (() => {});
  const note = (e: BootstrapEntry): void => {
    entries.push(e);
    if (e.action !== 'exists') log(`${e.kind} ${e.name}: ${e.action}${e.detail ? ` (${e.detail})` : ''}`);
  };

  // Topics first: subscriptions and dead-letter policies name them.
  for (const t of Object.values(topology.topics)) {
    const topic = clients.pubsub.topic(t.name);
    const [exists] = await topic.exists();
    if (exists) {
      note({ kind: 'topic', name: t.name, action: 'exists' });
      continue;
    }
    await clients.pubsub.createTopic({
      name: t.name,
      labels: t.labels,
      ...(t.messageRetentionSeconds !== undefined ? { messageRetentionDuration: { seconds: t.messageRetentionSeconds } } : {}),
    });
    note({ kind: 'topic', name: t.name, action: 'created' });
  }

  for (const s of topology.subscriptions) {
    let endpoint: string | undefined;
    if (s.delivery.kind === 'push') {
      const base = options.pushBaseUrl?.(s.delivery.stage);
      if (base === undefined) {
        unserved.add(s.delivery.stage);
        if (options.unserved === 'skip') {
          delivery[s.name] = 'skipped';
          note({ kind: 'subscription', name: s.name, action: 'skipped', detail: `stage ${s.delivery.stage} is not served` });
          continue;
        }
      } else {
        endpoint = pushEndpoint(base, s.delivery.path);
      }
    }
    delivery[s.name] = endpoint ?? 'pull';
    note(await ensureSubscription(clients, s, endpoint));
  }

  // BigQuery: dataset, tables, then views in dependency order (the topology lists them so).
  const dataset = clients.bigquery.dataset(topology.dataset.id);
  const [datasetExists] = await dataset.exists();
  if (datasetExists) note({ kind: 'dataset', name: topology.dataset.id, action: 'exists' });
  else {
    await clients.bigquery.createDataset(topology.dataset.id, {
      location: topology.dataset.location,
      description: topology.dataset.description,
      labels: topology.dataset.labels,
    });
    note({ kind: 'dataset', name: topology.dataset.id, action: 'created' });
  }
  for (const t of topology.dataset.tables) note(await ensureTable(clients, topology.dataset.id, t));
  for (const v of topology.dataset.views) note(await ensureView(clients, topology.dataset.id, v));

  for (const b of Object.values(topology.buckets)) {
    note(await ensureBucket(clients, b));
    if (b.notification) {
      if (!options.admin) {
        note({ kind: 'notification', name: `${b.name} → ${b.notification.topicName}`, action: 'skipped', detail: 'no emulator admin given' });
        continue;
      }
      note(await ensureNotification(clients, options.admin, b));
    }
  }

  const drift = entries.filter((e) => e.action === 'drift');
  return {
    pipeline: topology.pipeline,
    project: topology.project,
    entries,
    delivery,
    unservedStages: [...unserved],
    changed: entries.some((e) => e.action === 'created' || e.action === 'updated'),
    drift,
  };
}

/** The subscription metadata the topology asks for, in the client's form. */
export function subscriptionMetadata(s: SubscriptionSpec, endpoint: string | undefined): CreateSubscriptionOptions {
  return {
    ...(endpoint ? { pushConfig: { pushEndpoint: endpoint } } : {}),
    ackDeadlineSeconds: s.ackDeadlineSeconds,
    ...(s.retryPolicy
      ? {
          retryPolicy: {
            minimumBackoff: { seconds: s.retryPolicy.minimumBackoffSeconds },
            maximumBackoff: { seconds: s.retryPolicy.maximumBackoffSeconds },
          },
        }
      : {}),
    ...(s.deadLetterPolicy
      ? { deadLetterPolicy: { deadLetterTopic: s.deadLetterPolicy.topicPath, maxDeliveryAttempts: s.deadLetterPolicy.maxDeliveryAttempts } }
      : {}),
    enableMessageOrdering: s.enableMessageOrdering,
    messageRetentionDuration: { seconds: s.messageRetentionSeconds },
    // An expiration policy without a ttl: never expires.
    expirationPolicy: {},
    labels: s.labels,
  };
}

/** A subscription as the API reports it. */
export type SubscriptionInfo = GetSubscriptionMetadataResponse[0];

const seconds = (d: { seconds?: unknown } | null | undefined): number => Number(d?.seconds ?? 0);

/** Differences between an existing subscription and the topology (push endpoint excluded). */
export function subscriptionDrift(s: SubscriptionSpec, m: SubscriptionInfo): string[] {
  const out: string[] = [];
  const topicPath = `projects/${s.path.split('/')[1]}/topics/${s.topicName}`;
  if (m.topic && m.topic !== topicPath) out.push(`topic ${m.topic} ≠ ${topicPath}`);
  if (m.ackDeadlineSeconds !== s.ackDeadlineSeconds) out.push(`ackDeadlineSeconds ${m.ackDeadlineSeconds} ≠ ${s.ackDeadlineSeconds}`);
  if (Boolean(m.enableMessageOrdering) !== s.enableMessageOrdering) out.push(`enableMessageOrdering ${Boolean(m.enableMessageOrdering)} ≠ ${s.enableMessageOrdering}`);
  const dlq = m.deadLetterPolicy;
  if (s.deadLetterPolicy) {
    if (dlq?.deadLetterTopic !== s.deadLetterPolicy.topicPath || dlq.maxDeliveryAttempts !== s.deadLetterPolicy.maxDeliveryAttempts) {
      out.push(`deadLetterPolicy ${JSON.stringify(dlq ?? null)} ≠ ${s.deadLetterPolicy.topicPath} after ${s.deadLetterPolicy.maxDeliveryAttempts}`);
    }
  } else if (dlq?.deadLetterTopic) out.push(`deadLetterPolicy ${dlq.deadLetterTopic} where none is wanted`);
  if (s.retryPolicy) {
    const r = m.retryPolicy;
    if (seconds(r?.minimumBackoff) !== s.retryPolicy.minimumBackoffSeconds || seconds(r?.maximumBackoff) !== s.retryPolicy.maximumBackoffSeconds) {
      out.push(`retryPolicy ${seconds(r?.minimumBackoff)}–${seconds(r?.maximumBackoff)} s ≠ ${s.retryPolicy.minimumBackoffSeconds}–${s.retryPolicy.maximumBackoffSeconds} s`);
    }
  }
  return out;
}

async function ensureSubscription(clients: Clients, s: SubscriptionSpec, endpoint: string | undefined): Promise<BootstrapEntry> {
  const how = endpoint ? `push ${endpoint}` : 'pull';
  const sub = clients.pubsub.subscription(s.name);
  const [exists] = await sub.exists();
  if (!exists) {
    await clients.pubsub.topic(s.topicName).createSubscription(s.name, subscriptionMetadata(s, endpoint));
    return { kind: 'subscription', name: s.name, action: 'created', detail: how };
  }
  const [meta] = await sub.getMetadata();
  const drift = subscriptionDrift(s, meta);
  const current = meta.pushConfig?.pushEndpoint || undefined;
  if (current !== endpoint) {
    // Switches push ↔ pull or moves the endpoint; an empty push config means pull.
    await sub.modifyPushConfig(endpoint ? { pushEndpoint: endpoint } : {});
    const moved = `${current ? `push ${current}` : 'pull'} → ${how}`;
    return drift.length
      ? { kind: 'subscription', name: s.name, action: 'drift', detail: `${moved}; ${drift.join('; ')}` }
      : { kind: 'subscription', name: s.name, action: 'updated', detail: moved };
  }
  return drift.length
    ? { kind: 'subscription', name: s.name, action: 'drift', detail: drift.join('; ') }
    : { kind: 'subscription', name: s.name, action: 'exists', detail: how };
}

/** A BigQuery schema as comparable text: names, types (standard-SQL aliases folded) and modes, nested. */
export function schemaSignature(fields: readonly Partial<BigQueryField>[] | undefined): string {
  const alias: Record<string, string> = { INT64: 'INTEGER', FLOAT64: 'FLOAT', BOOL: 'BOOLEAN', STRUCT: 'RECORD' };
  return (fields ?? [])
    .map((f) => {
      const type = String(f.type ?? '').toUpperCase();
      const nested = f.fields?.length ? `<${schemaSignature(f.fields)}>` : '';
      return `${f.name}:${alias[type] ?? type}:${f.mode ?? 'NULLABLE'}${nested}`;
    })
    .join(',');
}

async function ensureTable(clients: Clients, datasetId: string, t: TableSpec): Promise<BootstrapEntry> {
  const table = clients.bigquery.dataset(datasetId).table(t.name);
  const [exists] = await table.exists();
  if (!exists) {
    await clients.bigquery.dataset(datasetId).createTable(t.name, {
      description: t.description,
      schema: { fields: t.schema },
      timePartitioning: { type: t.timePartitioning.type, field: t.timePartitioning.field, ...(t.timePartitioning.expirationMs !== undefined ? { expirationMs: String(t.timePartitioning.expirationMs) } : {}) },
      ...(t.clustering.length ? { clustering: { fields: t.clustering } } : {}),
      labels: t.labels,
    });
    return { kind: 'table', name: t.name, action: 'created' };
  }
  const [meta] = (await table.getMetadata()) as unknown as [{ schema?: { fields?: BigQueryField[] } }];
  const have = schemaSignature(meta.schema?.fields);
  const want = schemaSignature(t.schema);
  return have === want
    ? { kind: 'table', name: t.name, action: 'exists' }
    : { kind: 'table', name: t.name, action: 'drift', detail: `schema differs from the topology; delete the table to recreate it (have ${have}; want ${want})` };
}

/** Label carrying a hash of a view's SQL: the BigQuery emulator does not report `view.query` back. */
export const VIEW_SQL_LABEL = 'sluice_sql_sha';

const viewSqlHash = (sql: string): string => sha256Hex(sql.trim()).slice(0, 16);

async function ensureView(clients: Clients, datasetId: string, v: ViewSpec): Promise<BootstrapEntry> {
  const table = clients.bigquery.dataset(datasetId).table(v.name);
  const [exists] = await table.exists();
  const hash = viewSqlHash(v.sql);
  const metadata = { description: v.description, view: { query: v.sql, useLegacySql: false }, labels: { [VIEW_SQL_LABEL]: hash } };
  if (!exists) {
    await clients.bigquery.dataset(datasetId).createTable(v.name, metadata);
    return { kind: 'view', name: v.name, action: 'created' };
  }
  const [meta] = (await table.getMetadata()) as unknown as [{ type?: string; view?: { query?: string }; labels?: Record<string, string> }];
  if (meta.type !== undefined && meta.type !== 'VIEW') {
    return { kind: 'view', name: v.name, action: 'drift', detail: `a ${meta.type} of that name exists; delete it to create the view` };
  }
  // Real BigQuery reports the SQL; the emulator does not, so the label decides there.
  const same = meta.view?.query !== undefined ? meta.view.query.trim() === v.sql.trim() : meta.labels?.[VIEW_SQL_LABEL] === hash;
  if (same) return { kind: 'view', name: v.name, action: 'exists' };
  await table.setMetadata(metadata);
  return { kind: 'view', name: v.name, action: 'updated', detail: 'SQL changed' };
}

async function ensureBucket(clients: Clients, b: BucketSpec): Promise<BootstrapEntry> {
  const bucket = clients.storage.bucket(b.name);
  const [exists] = await bucket.exists();
  if (exists) return { kind: 'bucket', name: b.name, action: 'exists' };
  await clients.storage.createBucket(b.name, {
    location: b.location,
    storageClass: b.storageClass,
    labels: b.labels,
    lifecycle: { rule: b.lifecycleRules },
  } as Parameters<Clients['storage']['createBucket']>[1]);
  return { kind: 'bucket', name: b.name, action: 'created' };
}

async function ensureNotification(clients: Clients, admin: EmulatorAdmin, b: BucketSpec): Promise<BootstrapEntry> {
  const n = b.notification!;
  const name = `${b.name} → ${n.topicName}`;
  const [existing] = await clients.storage.bucket(b.name).getNotifications();
  const match = existing.find((x) => String((x.metadata as { topic?: string }).topic ?? '').endsWith(n.topicPath));
  if (match) return { kind: 'notification', name, action: 'exists' };
  await admin.createFinalizeNotification(b.name, n.topicPath, { eventTypes: [...n.eventTypes] });
  return { kind: 'notification', name, action: 'created' };
}
