/**
 * The batch path: an object-finalize notification for the landing bucket → the file streamed,
 * parsed, chunked into `EventBundle`s under the cap, published chunk by chunk.
 *
 * Progress lives in one Firestore document per object generation (`<files>/<id>`): the claim
 * (owner and lease), the notification's message id / publish time and the start time (so a resumed
 * run stamps the very same envelopes and cuts the very same chunks), chunks published so far and a
 * `done` flag. A redelivered or duplicated notification for a finished generation publishes
 * nothing; one for an unfinished generation re-reads the file and skips the chunks already
 * published. A chunk published just before a crash (progress not yet recorded) is published again
 * on resume: same bundle, same event ids, which downstream dedupes.
 */
import { randomUUID } from 'node:crypto';
import { DecodeError, TransientError } from '../../core/errors';
import { sha256Hex } from '../../core/hash';
import { type BundleLimits, type Envelope, EventBundleBuilder, type InputLimits, sanitizeAttributes } from '../../messages';
import type { Clock, ObjectStore, Publisher, StateStore } from '../../ports';
import type { Logger } from '../../observability/log';
import { envelopeOf, type IngestDefinition, isRejected, type Rejected } from './envelope-of';
import { fileRecords } from './file-records';
import { maxEnvelopeBytesFor, publishBundles, publishDeadLetters } from './outputs';
import type { PushedMessage } from './push-message';

/** A parsed object-finalize notification. */
export interface FinalizeNotification {
  eventType: string;
  bucket: string;
  object: string;
  generation: string;
  contentType?: string;
  /** The object's custom metadata: becomes the records' attributes (for attribute-based ids and times). */
  metadata: Record<string, string>;
}

/** Reads a GCS notification (attributes `eventType`, `bucketId`, `objectId`, `objectGeneration`; JSON_API_V1 object resource as data). */
export function notificationOf(message: PushedMessage): FinalizeNotification {
  const a = message.attributes;
  const bucket = a.bucketId;
  const object = a.objectId;
  const eventType = a.eventType;
  if (!bucket || !object || !eventType) {
    throw new DecodeError('invalid_notification', 'a files-topic message must be a Cloud Storage notification with attributes bucketId, objectId, eventType (payload format JSON_API_V1)');
  }
  let resource: { generation?: unknown; contentType?: unknown; metadata?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(message.data).toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object') resource = parsed as typeof resource;
  } catch {
    resource = {};
  }
  const generation = a.objectGeneration ?? (resource.generation === undefined ? '' : String(resource.generation));
  return {
    eventType,
    bucket,
    object,
    generation,
    ...(typeof resource.contentType === 'string' ? { contentType: resource.contentType } : {}),
    metadata: sanitizeAttributes(resource.metadata && typeof resource.metadata === 'object' ? (resource.metadata as Record<string, unknown>) : {}),
  };
}

/** Progress of one object generation (the Firestore document). */
export interface FileProgress {
  bucket: string;
  object: string;
  generation: string;
  messageId: string;
  publishTime: number;
  startedAt: number;
  owner: string;
  leaseUntil: number;
  chunksPublished: number;
  recordsPublished: number;
  recordsDeadLettered: number;
  done: boolean;
  /** Epoch ms; stored as a Timestamp for the collection's TTL policy. */
  expireAt: number;
}

/** Document id of one object generation (ids cannot contain `/`; names can be long). */
export function fileDocId(bucket: string, object: string, generation: string): string {
  return sha256Hex(`${bucket}/${object}#${generation}`).slice(0, 40);
}

export interface FileIngestDeps {
  definition: IngestDefinition;
  publisher: Publisher;
  store: ObjectStore;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  eventsTopic: string;
  deadLetterTopic: string;
  landingBucket: string;
  /** Firestore collection path of file progress documents (the topology's `files`). */
  filesCollection: string;
  bundle?: BundleLimits;
  limits?: Partial<InputLimits>;
  /** How long a claim keeps other deliveries of the same notification off the file. */
  leaseMs?: number;
  /** Chunks published concurrently (default 4); progress is still recorded in order. */
  publishWindow?: number;
  /** How long a progress document is kept (TTL). */
  retentionMs?: number;
}

export interface FileIngestResult {
  outcome: 'done' | 'duplicate' | 'ignored';
  recordsIn: number;
  published: number;
  deadLettered: number;
  chunks: number;
  /** EventBundle messages this delivery published (chunks holding only dead letters publish none). */
  bundles: number;
  /** Chunks skipped because an earlier delivery had published them. */
  chunksSkipped: number;
  /** Records in the skipped chunks: `recordsIn = published + deadLettered + recordsSkipped`. */
  recordsSkipped: number;
}

const DAY_MS = 86_400_000;

/** Dead letters per chunk at most (each carries up to 128 KiB of payload). */
export const MAX_DEAD_LETTERS_PER_CHUNK = 100;

export async function ingestFile(deps: FileIngestDeps, message: PushedMessage, n: FinalizeNotification): Promise<FileIngestResult> {
  const empty: FileIngestResult = { outcome: 'ignored', recordsIn: 0, published: 0, deadLettered: 0, chunks: 0, bundles: 0, chunksSkipped: 0, recordsSkipped: 0 };
  if (n.eventType !== 'OBJECT_FINALIZE' || n.bucket !== deps.landingBucket) {
    deps.logger.log('INFO', 'ingest ignored a storage notification', { eventType: n.eventType, bucket: n.bucket, object: n.object });
    return empty;
  }
  const owner = randomUUID();
  const path = `${deps.filesCollection}/${fileDocId(n.bucket, n.object, n.generation)}`;
  const leaseMs = deps.leaseMs ?? 10 * 60_000;
  const claimed = await deps.state.transaction(async (tx) => {
    const [doc] = (await tx.getAll([path])) as [FileProgress | undefined];
    const now = deps.clock.now();
    if (doc?.done) return undefined;
    if (doc && doc.owner !== owner && doc.leaseUntil > now) {
      throw new TransientError(`gs://${n.bucket}/${n.object}#${n.generation} is being ingested by another delivery until ${new Date(doc.leaseUntil).toISOString()}; Pub/Sub will redeliver`);
    }
    const progress: FileProgress = {
      bucket: n.bucket,
      object: n.object,
      generation: n.generation,
      messageId: doc?.messageId ?? message.messageId,
      publishTime: doc?.publishTime ?? message.publishTime,
      startedAt: doc?.startedAt ?? now,
      owner,
      leaseUntil: now + leaseMs,
      chunksPublished: doc?.chunksPublished ?? 0,
      recordsPublished: doc?.recordsPublished ?? 0,
      recordsDeadLettered: doc?.recordsDeadLettered ?? 0,
      done: false,
      expireAt: now + (deps.retentionMs ?? 30 * DAY_MS),
    };
    tx.set(path, { ...progress });
    return progress;
  });
  if (!claimed) {
    deps.logger.log('INFO', 'ingest skipped an already ingested file', { bucket: n.bucket, object: n.object, generation: n.generation });
    return { ...empty, outcome: 'duplicate' };
  }

  const { definition } = deps;
  const envelopeOptions = {
    definition,
    ingestTime: claimed.startedAt,
    maxEnvelopeBytes: maxEnvelopeBytesFor(definition.name, deps.bundle),
    ...(deps.limits ? { limits: deps.limits } : {}),
  };
  const origin = {
    messageId: claimed.messageId,
    publishTime: claimed.publishTime,
    attributes: n.metadata,
    object: { bucket: n.bucket, name: n.object, generation: n.generation },
  };
  const result: FileIngestResult = { outcome: 'done', recordsIn: 0, published: 0, deadLettered: 0, chunks: 0, bundles: 0, chunksSkipped: 0, recordsSkipped: 0 };
  const builder = new EventBundleBuilder(definition.name, deps.bundle);
  let envelopes: Envelope[] = [];
  let rejected: Rejected[] = [];
  const attributes = { 'sluice-object': `gs://${n.bucket}/${n.object}#${n.generation}` };

  // Up to `publishWindow` chunks are published concurrently; progress is recorded strictly in
  // chunk order, each chunk only once it and every chunk before it are published.
  const window = Math.max(1, deps.publishWindow ?? 4);
  const inflight: { index: number; done: Promise<unknown>; bundle: boolean; published: number; deadLettered: number }[] = [];
  const settleOldest = async () => {
    const c = inflight.shift()!;
    await c.done;
    if (c.bundle) result.bundles++;
    result.published += c.published;
    result.deadLettered += c.deadLettered;
    await recordProgress(deps, path, owner, (p) => ({
      ...p,
      chunksPublished: c.index + 1,
      recordsPublished: p.recordsPublished + c.published,
      recordsDeadLettered: p.recordsDeadLettered + c.deadLettered,
      leaseUntil: deps.clock.now() + leaseMs,
    }));
  };
  const emitChunk = async () => {
    const index = result.chunks++;
    const bundle = builder.flush();
    const chunkEnvelopes = envelopes;
    const chunkRejected = rejected;
    envelopes = [];
    rejected = [];
    if (index < claimed.chunksPublished) {
      result.chunksSkipped++;
      result.recordsSkipped += chunkEnvelopes.length + chunkRejected.length;
      return;
    }
    const done = Promise.all([
      bundle ? publishBundles(deps.publisher, deps.eventsTopic, definition.name, [bundle], { ...attributes, 'sluice-chunk': String(index) }) : Promise.resolve(),
      publishDeadLetters(deps.publisher, deps.deadLetterTopic, deps.logger, chunkRejected, {
        pipeline: definition.name,
        attributes: { ...n.metadata, ...attributes },
        attempt: message.deliveryAttempt,
        at: deps.clock.now(),
        pii: definition.pii ?? [],
        original: `landed object gs://${n.bucket}/${n.object}#${n.generation}`,
      }),
    ]);
    // Observed by settleOldest; this handler only keeps a failure after an earlier one from going unhandled.
    done.catch(() => undefined);
    inflight.push({ index, done, bundle: bundle !== undefined, published: chunkEnvelopes.length, deadLettered: chunkRejected.length });
    if (inflight.length >= window) await settleOldest();
  };

  const records = fileRecords(deps.store.stream(n.bucket, n.object), {
    name: n.object,
    ...(n.contentType ? { contentType: n.contentType } : {}),
    source: definition.source,
    ...(deps.limits ? { limits: deps.limits } : {}),
  });
  try {
    let index = 0;
    for await (const r of records) {
      result.recordsIn++;
      const out = 'error' in r ? { reason: r.error.reason, message: r.error.message, raw: r.raw } : envelopeOf(r.value, r.raw, r.format, origin, envelopeOptions, index);
      index++;
      if (isRejected(out)) {
        rejected.push(out);
        // A stretch of bad records closes its chunk too, so a file of garbage is never held whole.
        if (rejected.length >= MAX_DEAD_LETTERS_PER_CHUNK) await emitChunk();
        continue;
      }
      let added = builder.add(out);
      if (!added.added) {
        await emitChunk();
        added = builder.add(out);
      }
      if (!added.added) throw new Error(`envelope ${out.eventId} does not fit an empty bundle`);
      envelopes.push(out);
    }
    if (!builder.isEmpty || rejected.length > 0) await emitChunk();
    while (inflight.length > 0) await settleOldest();
  } catch (err) {
    // Release the claim so the redelivery resumes at once (a crash instead leaves it to expire after leaseMs).
    await recordProgress(deps, path, owner, (p) => ({ ...p, leaseUntil: 0 })).catch(() => undefined);
    throw err;
  }
  await recordProgress(deps, path, owner, (p) => ({ ...p, done: true, leaseUntil: 0 }));
  deps.logger.log('INFO', 'ingest finished a file', {
    bucket: n.bucket,
    object: n.object,
    generation: n.generation,
    recordsIn: result.recordsIn,
    published: result.published,
    deadLettered: result.deadLettered,
    chunks: result.chunks,
    chunksSkipped: result.chunksSkipped,
    recordsSkipped: result.recordsSkipped,
  });
  return result;
}

async function recordProgress(deps: FileIngestDeps, path: string, owner: string, update: (p: FileProgress) => FileProgress): Promise<FileProgress> {
  return deps.state.transaction(async (tx) => {
    const [doc] = (await tx.getAll([path])) as [FileProgress | undefined];
    if (!doc || doc.owner !== owner) {
      throw new TransientError(`lost the claim on ${path} to another delivery; Pub/Sub will redeliver and the owner resumes`);
    }
    const next = update(doc);
    tx.set(path, { ...next });
    return next;
  });
}
