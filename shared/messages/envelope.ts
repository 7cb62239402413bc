/**
 * `Envelope`: one record after ingest, normalised: a stable `eventId`, an `eventTime` in epoch ms,
 * where it came from, and the record itself. Ingest makes them; transform consumes them inside an
 * `EventBundle`.
 */
import type { PayloadFormat } from '../pipeline/types';

/** CDC change metadata (Debezium-style); `record` holds the row after the change (`before` for deletes). */
export interface CdcInfo {
  /** `c` create, `u` update, `d` delete, `r` snapshot read. */
  op: 'c' | 'u' | 'd' | 'r';
  /** Source position (LSN, `binlog-file:pos`, …) as a string: orders changes and makes a stable event id. */
  position: string;
  before?: Record<string, unknown> | null;
}

/** Where a record came from. */
export interface EnvelopeSource {
  /** Pub/Sub message id (of the raw message, or of the finalize notification on the batch path). */
  messageId: string;
  /** Pub/Sub publish time, epoch ms. */
  publishTime: number;
  attributes: Record<string, string>;
  format: PayloadFormat;
  /** Batch path: the landed object and the record's position in it. */
  object?: { bucket: string; name: string; generation: string; index: number };
  cdc?: CdcInfo;
}

export interface Envelope<R extends object = Record<string, unknown>> {
  eventId: string;
  /** Epoch ms. */
  eventTime: number;
  pipeline: string;
  source: EnvelopeSource;
  record: R;
  /** When ingest accepted the record, epoch ms (processing time). */
  ingestTime: number;
}

