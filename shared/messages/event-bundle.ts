/**
 * `EventBundle` (ingest → transform): envelopes of one pipeline, under the bundle byte cap.
 */
import type { InputLimits } from './guards';
import { compileWire, decodeWire, WIRE_VERSION, wire } from './codec';
import { type Envelope, envelopeSchema } from './envelope';

export interface EventBundle<R extends object = Record<string, unknown>> {
  v: typeof WIRE_VERSION;
  pipeline: string;
  envelopes: Envelope<R>[];
}

export const eventBundleSchema = {
  type: 'object',
  required: ['v', 'pipeline', 'envelopes'],
  additionalProperties: false,
  properties: {
    v: { const: WIRE_VERSION },
    pipeline: wire.pipeline,
    envelopes: { type: 'array', minItems: 1, items: envelopeSchema },
  },
} as const;

const validate = compileWire(eventBundleSchema);

/** Serialises a bundle (UTF-8 JSON text). Use `EventBundleBuilder` to stay under the byte cap. */
export function encodeEventBundle(bundle: EventBundle): string {
  return JSON.stringify(bundle);
}

/**
 * Decodes and validates an event bundle.
 * @throws DecodeError with reason `invalid_event_bundle`, `unsupported_version`, or a guard reason.
 */
export function decodeEventBundle(input: string | Uint8Array, limits?: Partial<InputLimits>): EventBundle {
  return decodeWire<EventBundle>(input, validate, 'event_bundle', limits);
}
