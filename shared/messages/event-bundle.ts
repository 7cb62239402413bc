/**
 * `EventBundle` (ingest → transform): envelopes of one pipeline, under the bundle byte cap.
 */
import type { InputLimits } from './guards';
import { decodeWire, type WIRE_VERSION } from './codec';
import type { Envelope } from './envelope';
import { validateEventBundle } from './wire-validators.generated';

export interface EventBundle<R extends object = Record<string, unknown>> {
  v: typeof WIRE_VERSION;
  pipeline: string;
  envelopes: Envelope<R>[];
}


/** Serialises a bundle (UTF-8 JSON text). Use `EventBundleBuilder` to stay under the byte cap. */
export function encodeEventBundle(bundle: EventBundle): string {
  return JSON.stringify(bundle);
}

/**
 * Decodes and validates an event bundle.
 * @throws DecodeError with reason `invalid_event_bundle`, `unsupported_version`, or a guard reason.
 */
export function decodeEventBundle(input: string | Uint8Array, limits?: Partial<InputLimits>): EventBundle {
  return decodeWire<EventBundle>(input, validateEventBundle, 'event_bundle', limits);
}
