/**
 * JSON Schemas of the wire formats. Validators are generated from these at build time
 * (`wire-validators.generated.js`, see `shared/pipeline/validator-codegen.ts`), so no stage pays
 * ajv's compile cost on a cold start.
 */
import { WIRE_VERSION } from './codec';
import { STAGES } from './stage';

/** JSON schema pieces shared by the message schemas. */
export const wire = {
  epochMs: { type: 'integer', minimum: -8_640_000_000_000_000, maximum: 8_640_000_000_000_000 },
  pipeline: { type: 'string', pattern: '^[a-z][a-z0-9-]{2,23}$' },
  identifier: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,39}$' },
  eventId: { type: 'string', minLength: 1, maxLength: 512 },
  attributes: { type: 'object', additionalProperties: { type: 'string' } },
  record: { type: 'object' },
} as const;

/** An envelope (see `envelope.ts`). */
export const envelopeSchema = {
  type: 'object',
  required: ['eventId', 'eventTime', 'pipeline', 'source', 'record', 'ingestTime'],
  additionalProperties: false,
  properties: {
    eventId: wire.eventId,
    eventTime: wire.epochMs,
    pipeline: wire.pipeline,
    ingestTime: wire.epochMs,
    record: wire.record,
    source: {
      type: 'object',
      required: ['messageId', 'publishTime', 'attributes', 'format'],
      additionalProperties: false,
      properties: {
        messageId: { type: 'string', minLength: 1, maxLength: 256 },
        publishTime: wire.epochMs,
        attributes: wire.attributes,
        format: { enum: ['json', 'ndjson', 'csv', 'cdc-debezium'] },
        object: {
          type: 'object',
          required: ['bucket', 'name', 'generation', 'index'],
          additionalProperties: false,
          properties: {
            bucket: { type: 'string', minLength: 3 },
            name: { type: 'string', minLength: 1 },
            generation: { type: 'string', pattern: '^[0-9]+$' },
            index: { type: 'integer', minimum: 0 },
          },
        },
        cdc: {
          type: 'object',
          required: ['op', 'position'],
          additionalProperties: false,
          properties: {
            op: { enum: ['c', 'u', 'd', 'r'] },
            position: { type: 'string', minLength: 1 },
            before: { type: ['object', 'null'] },
          },
        },
      },
    },
  },
} as const;

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

const partition = { type: 'integer', minimum: 0, maximum: 999 };

export const keyedBundleSchema = {
  type: 'object',
  required: ['v', 'kind', 'pipeline', 'aggregation', 'partition', 'bundleId', 'records'],
  additionalProperties: false,
  properties: {
    v: { const: WIRE_VERSION },
    kind: { const: 'bundle' },
    pipeline: wire.pipeline,
    aggregation: wire.identifier,
    partition,
    bundleId: { type: 'string', minLength: 1, maxLength: 128 },
    records: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['eventId', 'key', 'eventTime', 'value'],
        additionalProperties: false,
        properties: {
          eventId: wire.eventId,
          key: { type: 'string', maxLength: 1024 },
          eventTime: wire.epochMs,
          value: wire.record,
        },
      },
    },
  },
} as const;

export const advanceMessageSchema = {
  type: 'object',
  required: ['v', 'kind', 'pipeline', 'aggregation', 'partition', 'watermark', 'processingTime'],
  additionalProperties: false,
  properties: {
    v: { const: WIRE_VERSION },
    kind: { const: 'advance' },
    pipeline: wire.pipeline,
    aggregation: wire.identifier,
    partition,
    watermark: wire.epochMs,
    processingTime: wire.epochMs,
  },
} as const;

export const tickMessageSchema = {
  type: 'object',
  required: ['v', 'kind'],
  additionalProperties: false,
  properties: { v: { const: WIRE_VERSION }, kind: { const: 'tick' }, pipeline: wire.pipeline },
} as const;


export const deadLetterSchema = {
  type: 'object',
  required: ['v', 'kind', 'stage', 'reason', 'message', 'payload', 'payloadEncoding', 'payloadBytes', 'payloadTruncated', 'attributes', 'attempt', 'at'],
  additionalProperties: false,
  properties: {
    v: { const: WIRE_VERSION },
    kind: { const: 'dead-letter' },
    pipeline: wire.pipeline,
    stage: { enum: [...STAGES] },
    reason: { type: 'string', minLength: 1, maxLength: 200 },
    message: { type: 'string', maxLength: 10_000 },
    payload: { type: 'string' },
    payloadEncoding: { enum: ['text', 'base64'] },
    payloadBytes: { type: 'integer', minimum: 0 },
    payloadTruncated: { type: 'boolean' },
    attributes: wire.attributes,
    eventId: wire.eventId,
    attempt: { type: 'integer', minimum: 1 },
    at: wire.epochMs,
  },
} as const;
