import { describe, expect, it } from 'vitest';
import { deadLetterOf, deadLetterRow, encodeDeadLetter, Stage } from '../../../../shared/messages';
import { createLogger } from '../../../../shared/observability/log';
import { FakeClock, FakePublisher, FakeSink, RowsRejectedError } from '../../../../shared/ports';
import { createDeadLetterHandler, PARKED_REASON_ATTRIBUTE } from '../../../../shared/stages/deadletter';

const AT = Date.parse('2026-03-01T10:00:00Z');

function setup(groupCommitDelayMs = 0) {
  const sink = new FakeSink();
  const publisher = new FakePublisher();
  const clock = new FakeClock(AT);
  const handler = createDeadLetterHandler({
    pipeline: 'iot-sensors',
    sink,
    publisher,
    clock,
    groupCommitDelayMs,
    logger: createLogger({ pipeline: 'iot-sensors', stage: 'deadletter' }, () => {}),
    table: 'dead_letter',
    parkingTopic: 'parking',
    stageOfSubscription: (s) => (s.endsWith('raw-to-ingest') ? Stage.INGEST : undefined),
  });
  return { sink, publisher, handler, clock };
}

function event(data: string | Buffer, attributes: Record<string, string>, messageId: string) {
  return {
    source: '//pubsub.googleapis.com/projects/p/topics/dl',
    data: { message: { data: Buffer.from(data).toString('base64'), attributes, messageId, publishTime: '2026-03-01T10:00:01Z' } },
  };
}

const letter = deadLetterOf({ stage: Stage.INGEST, reason: 'invalid_json', message: 'payload is not valid JSON', raw: '{oops', attributes: { a: 'b' }, pipeline: 'iot-sensors', attempt: 1, at: AT - 5 });

describe('deadletter stage', () => {
  it('writes a stage dead letter as its dead_letter row, with the message id as insertId', async () => {
    const { sink, handler } = setup();
    expect(await handler(event(encodeDeadLetter(letter), { 'sluice-reason': 'invalid_json' }, 'dl-1'))).toEqual({ outcome: 'written', kind: 'stage', reason: 'invalid_json' });
    expect(sink.tables.get('dead_letter')).toEqual([{ insertId: 'dl-1', json: deadLetterRow(letter) }]);
  });

  it('wraps a message Pub/Sub dead-lettered itself, naming the stage of its subscription', async () => {
    const { sink, handler } = setup();
    const attrs = { CloudPubSubDeadLetterSourceSubscription: 'projects/p/subscriptions/iot-sensors-raw-to-ingest', CloudPubSubDeadLetterSourceDeliveryCount: '5', k: 'v' };
    expect(await handler(event('{"reading_id":"r-1"}', attrs, 'dl-2'))).toMatchObject({ kind: 'pubsub', reason: 'max_delivery_attempts' });
    const row = sink.rows('dead_letter')[0]!;
    expect(row).toMatchObject({ stage: 'ingest', reason: 'max_delivery_attempts', payload: '{"reading_id":"r-1"}', attempt: 5, at: new Date(AT).toISOString() });
    expect(JSON.parse(row.attributes_json as string)).toMatchObject({ k: 'v' });
  });

  it('records anything else on the topic as an undecodable dead letter of its own', async () => {
    const { sink, handler } = setup();
    expect(await handler(event('garbage', {}, 'dl-3'))).toMatchObject({ outcome: 'written', kind: 'undecodable', reason: 'invalid_json' });
    expect(sink.rows('dead_letter')[0]).toMatchObject({ stage: 'deadletter', payload: 'garbage' });
  });

  it('parks a row BigQuery refuses on the parking topic, with the original message and why', async () => {
    const { sink, publisher, handler } = setup();
    sink.failNext(new RowsRejectedError('dead_letter', [{ index: 0, reason: 'invalid: no such field' }]));
    expect(await handler(event(encodeDeadLetter(letter), { x: '1' }, 'dl-4'))).toMatchObject({ outcome: 'parked' });
    const parked = publisher.on('parking');
    expect(parked).toHaveLength(1);
    expect(parked[0]!.data.toString()).toBe(encodeDeadLetter(letter));
    expect(parked[0]!.attributes).toMatchObject({ x: '1', [PARKED_REASON_ATTRIBUTE]: expect.stringContaining('no such field') as unknown });
    expect(handler.totals).toMatchObject({ written: 0, parked: 1 });
  });

  it('throws on a transient sink failure (Pub/Sub redelivers), and on a failed park', async () => {
    const { sink, publisher, handler } = setup();
    sink.failNext(Object.assign(new Error('503 backendError'), { code: 503 }));
    await expect(handler(event(encodeDeadLetter(letter), {}, 'dl-5'))).rejects.toThrow('503');
    sink.failNext(new RowsRejectedError('dead_letter', [{ index: 0, reason: 'invalid' }]));
    publisher.failNext(new Error('UNAVAILABLE'));
    await expect(handler(event(encodeDeadLetter(letter), {}, 'dl-6'))).rejects.toThrow('UNAVAILABLE');
    expect(sink.rows('dead_letter')).toEqual([]);
  });
});

describe('deadletter stage: odd deliveries', () => {
  it('records a delivery that is not a Pub/Sub push instead of failing forever', async () => {
    const { sink, handler } = setup();
    expect(await handler({ id: 'ev-1', data: { not: 'a push' } })).toMatchObject({ outcome: 'written', kind: 'undecodable' });
    expect(sink.tables.get('dead_letter')![0]).toMatchObject({ insertId: 'ev-1', json: { stage: 'deadletter', payload: '{"not":"a push"}' } });
  });
});

describe('deadletter stage: group commit', () => {
  it('writes the rows of concurrent deliveries in one insert and parks only the refused one', async () => {
    const { sink, publisher, handler, clock } = setup(20);
    const inner = sink.insert.bind(sink);
    sink.insert = async (table, rows) => {
      const bad = rows.findIndex((r) => r.insertId === 'b-2');
      if (bad >= 0) {
        await inner(table, rows.filter((_, i) => i !== bad));
        throw new RowsRejectedError(table, [{ index: bad, reason: 'invalid: row too odd' }]);
      }
      return inner(table, rows);
    };
    const done: string[] = [];
    const ps = ['b-1', 'b-2', 'b-3'].map((id) => handler(event(encodeDeadLetter({ ...letter, eventId: id }), {}, id)).then((r) => (done.push(id), r)));
    await new Promise((r) => setTimeout(r, 0));
    expect([done, sink.rows('dead_letter')]).toEqual([[], []]);
    clock.advance(20);
    const results = await Promise.all(ps);
    expect(results.map((r) => r.outcome)).toEqual(['written', 'parked', 'written']);
    expect(sink.tables.get('dead_letter')!.map((r) => r.insertId)).toEqual(['b-1', 'b-3']);
    expect(publisher.on('parking').map((m) => m.attributes![PARKED_REASON_ATTRIBUTE])).toEqual(['invalid: row too odd']);
    expect(handler.totals).toEqual({ written: 2, parked: 1, inserts: 1 });
  });
});
