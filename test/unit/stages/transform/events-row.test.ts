import { describe, expect, it } from 'vitest';
import { definePipeline } from '../../../../shared/pipeline';
import { EventsRowBuilder } from '../../../../shared/stages/transform';
import { envelopeOf } from './fixtures';

const pipeline = definePipeline({
  name: 'row-shapes',
  source: { formats: ['json'], eventId: { from: 'contentHash' }, eventTime: { from: 'publishTime' } },
  schema: {
    type: 'object',
    properties: {
      s: { type: 'string' },
      n: { type: 'number' },
      i: { type: 'integer' },
      b: { type: 'boolean' },
      t: { type: 'string', format: 'date-time' },
      tags: { type: 'array', items: { type: 'string' } },
      any: {},
      mixed: { type: ['string', 'number'] },
      geo: { type: 'object', properties: { lat: { type: 'number' }, city: { type: 'string' } } },
    },
  },
  aggregations: [],
  retention: { rawArchive: {} },
});

describe('EventsRowBuilder', () => {
  const builder = new EventsRowBuilder(pipeline);
  const env = envelopeOf({}, { eventId: 'e1', eventTime: 0, ingestTime: 1000, source: { messageId: 'm', publishTime: 2000, attributes: { k: 'v' }, format: 'json', cdc: { op: 'u', position: '9' } } });

  it('fills the system columns', () => {
    expect(builder.build(env, {})).toEqual({
      event_id: 'e1',
      event_time: '1970-01-01T00:00:00.000Z',
      ingest_time: '1970-01-01T00:00:01.000Z',
      publish_time: '1970-01-01T00:00:02.000Z',
      message_id: 'm',
      source_format: 'json',
      cdc_op: 'u',
      attributes_json: '{"k":"v"}',
      extra_json: null,
    });
  });

  it('maps values to their columns; anything without a column goes to extra_json by path', () => {
    const row = builder.build(env, {
      s: 'x',
      n: 1.5,
      i: 2,
      b: false,
      t: '2026-01-01T00:00:00Z',
      tags: ['a', null, 'b'],
      any: { deep: [1] },
      mixed: 3,
      geo: { lat: 1, city: 'Oslo', alt: 12 },
      unknown: { z: 1 },
      nil: null,
    });
    const { event_id: _a, event_time: _b, ingest_time: _c, publish_time: _d, message_id: _e, source_format: _f, cdc_op: _g, attributes_json: _h, ...cells } = row;
    expect(cells).toEqual({
      s: 'x',
      n: 1.5,
      i: 2,
      b: false,
      t: '2026-01-01T00:00:00Z',
      tags: ['a', 'b'],
      any: '{"deep":[1]}',
      mixed: '3',
      geo: { lat: 1, city: 'Oslo' },
      extra_json: JSON.stringify({ 'geo.alt': 12, unknown: { z: 1 }, nil: null }),
    });
  });

  it('a value of the wrong shape for its column is kept in extra_json, not lost', () => {
    const row = builder.build(env, { i: 1.5, geo: 'somewhere', tags: 'one', s: 7 });
    expect([row.i, row.geo, row.tags, row.s]).toEqual([undefined, undefined, undefined, undefined]);
    expect(JSON.parse(row.extra_json as string)).toEqual({ i: 1.5, geo: 'somewhere', tags: 'one', s: 7 });
  });
});
