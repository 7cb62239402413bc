/**
 * The raw archive: every raw message ingest receives, one NDJSON line each (payload, attributes,
 * message id, publish time — enough to rebuild the very same envelopes on replay), gzipped, one
 * object per group-commit flush:
 *
 *   gs://<raw-archive>/dt=YYYY-MM-DD/hour=HH/<flushTimeMs>-<flushId>.ndjson.gz
 *
 * Objects are partitioned by **ingest processing time** (the flush's time), not event time: one
 * flush holds events of many event times, partitioning by event time would split it into several
 * objects and scatter late data into old partitions; processing time keeps one object per flush,
 * matches the bucket's age-based lifecycle, and replay selects by when data arrived (event ids and
 * event times are re-derived from the archived payload exactly as ingest did).
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Clock, ObjectStore } from '../../ports';
import { GroupCommitter } from '../group-commit';
import type { RawMessage } from './decode-message';

/** One archived raw message (one NDJSON line). */
export interface ArchiveLine {
  messageId: string;
  /** Epoch ms. */
  publishTime: number;
  attributes: Record<string, string>;
  /** The payload: UTF-8 text when valid, else base64. */
  data: string;
  encoding: 'text' | 'base64';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function archiveLineOf(message: RawMessage): string {
  let data: string;
  let encoding: ArchiveLine['encoding'] = 'text';
  try {
    data = strictUtf8.decode(message.data);
  } catch {
    data = Buffer.from(message.data).toString('base64');
    encoding = 'base64';
  }
  const line: ArchiveLine = { messageId: message.messageId, publishTime: message.publishTime, attributes: message.attributes, data, encoding };
  return JSON.stringify(line);
}

/** Reads an archive object back into the raw messages it holds (replay). */
export function readArchive(gz: Uint8Array): RawMessage[] {
  const text = gunzipSync(gz).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const line = JSON.parse(l) as ArchiveLine;
      return {
        messageId: line.messageId,
        publishTime: line.publishTime,
        attributes: line.attributes,
        data: line.encoding === 'base64' ? Buffer.from(line.data, 'base64') : Buffer.from(line.data, 'utf8'),
      };
    });
}

/** `dt=YYYY-MM-DD/hour=HH/<flushTimeMs>-<flushId>.ndjson.gz`, UTC. */
export function archivePathOf(flushTimeMs: number, flushId: string): string {
  const iso = new Date(flushTimeMs).toISOString();
  return `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/${flushTimeMs}-${flushId}.ndjson.gz`;
}

export interface RawArchiverOptions {
  store: ObjectStore;
  bucket: string;
  clock: Clock;
  /** Group-commit delay (bounded wait for other deliveries to join the object). */
  maxDelayMs: number;
  /** Lines per object. */
  maxItems: number;
  /** Uncompressed bytes per object. */
  maxBytes: number;
  /** Deliveries one instance has in flight: an object they all joined is written at once (`GroupCommitOptions.maxWaiters`). */
  maxWaiters?: number;
  /** Unique id per flush (default: a random UUID). */
  newFlushId?: () => string;
}

/** Group-committed archive writer: `add` resolves once the object holding the lines is durable in GCS. */
export class RawArchiver {
  private readonly committer: GroupCommitter<string>;
  /** Objects written, for counts. */
  objectsWritten = 0;

  constructor(private readonly options: RawArchiverOptions) {
    const newId = options.newFlushId ?? (() => randomUUID());
    this.committer = new GroupCommitter<string>({
      maxDelayMs: options.maxDelayMs,
      maxItems: options.maxItems,
      maxWaiters: options.maxWaiters,
      maxWeight: options.maxBytes,
      weigh: (line) => Buffer.byteLength(line) + 1,
      clock: options.clock,
      flush: async (lines) => {
        const name = archivePathOf(options.clock.now(), newId());
        // ifGenerationMatch 0: a flush never overwrites another object, even on an id collision.
        await options.store.write(options.bucket, name, gzipSync(`${lines.join('\n')}\n`), {
          contentType: 'application/x-ndjson',
          ifGenerationMatch: 0,
        });
        this.objectsWritten++;
      },
    });
  }

  add(lines: string[]): Promise<void> {
    return this.committer.add(lines);
  }

  drain(): Promise<void> {
    return this.committer.drain();
  }
}
