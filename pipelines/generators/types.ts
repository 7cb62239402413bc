/** Shapes shared by the example-pipeline event generators. */

/** Why an event is in the stream; the reference computations of the demo and benchmark key on it. */
export type GeneratedKind = 'valid' | 'duplicate' | 'late' | 'invalid';

export interface GeneratedEvent {
  /** Position in the stream (0-based). */
  seq: number;
  kind: GeneratedKind;
  /**
   * The event id the pipeline will derive (for a duplicate: the original's). For an invalid event
   * that may never get one, the id the generator meant.
   */
  eventId: string;
  /** Event time the record carries, epoch ms (invalid events: the time it would have had). */
  eventTimeMs: number;
  /** Grouping key of the pipeline's first aggregation (device, user…). */
  key: string;
  /** The record (valid, late and duplicate events; undefined when the payload is not JSON). */
  record?: Record<string, unknown>;
  /** One JSON object as the producer would send it (for invalid events: possibly not JSON). */
  payload: string;
  /** Pub/Sub attributes a single-event message carries (e.g. clickstream's `event_id`). */
  attributes: Record<string, string>;
  /** For invalid events: what is wrong, for humans. */
  defect?: string;
}

export interface GeneratorOptions {
  /** Same seed, same options → the same stream. */
  seed: number;
  /** Events to generate (duplicates and invalid ones included). */
  count: number;
  /** Event time of the first event, epoch ms. */
  startMs: number;
  /** Event-time step between consecutive events, ms (the stream's event-time rate). */
  spacingMs: number;
  /** Distinct keys (devices, users). */
  keys: number;
  /** Fractions of the stream, each in [0, 1). */
  duplicateRate: number;
  lateRate: number;
  invalidRate: number;
  /**
   * How far behind the newest event time an on-time event may be (out-of-order jitter), ms. Keep
   * it under the pipeline's `maxOutOfOrderness` so these events are on time.
   */
  maxJitterMs: number;
  /** How far behind the newest event time a late event is, [min, max] ms. */
  lateByMs: [number, number];
}

/** One example pipeline's record factory. */
export interface RecordFactory {
  /** The pipeline it feeds. */
  pipeline: string;
  /** Defaults sensible for the pipeline's windows and watermark. */
  defaults: Pick<GeneratorOptions, 'keys' | 'spacingMs' | 'maxJitterMs' | 'lateByMs'>;
  keyOf(index: number): string;
  /** A valid record for `key` at `eventTimeMs`; `n` is the event's sequence number. */
  valid(ctx: { key: string; eventTimeMs: number; eventId: string; n: number; random: import('./random').Random }): {
    record: Record<string, unknown>;
    attributes: Record<string, string>;
  };
  /** Turns a valid record into an invalid payload; returns the payload text and the defect. */
  corrupt(record: Record<string, unknown>, random: import('./random').Random): { payload: string; defect: string };
  /** The event id the pipeline derives for a valid record (before ingest's fallbacks). */
  eventIdPrefix: string;
}
