import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeDeadLetter, decodeEventBundle, type Envelope } from '../../../../shared/messages';
import { decodeMessage, maxEnvelopeBytesFor, ORIGINAL_PUBLISH_TIME_ATTRIBUTE, readArchive } from '../../../../shared/stages/ingest';
import { redactedRaw } from '../../../../shared/stages/ingest/outputs';
import { clickstream, iot, PUBLISH_MS, pushEvent, reading, settle, setup } from './fixtures';

const bundlesOn = (publisher: ReturnType<typeof setup>['publisher']) => publisher.on('events').map((m) => decodeEventBundle(m.data));
const archived = (store: ReturnType<typeof setup>['store']) =>
  [...store.objects.entries()].filter(([k]) => k.startsWith('raw-archive/')).map(([name, o]) => ({ name: name.slice('raw-archive/'.length), messages: readArchive(o.data) }));

describe('ingest streaming path: group commit', () => {
  it('bundles single events of concurrent deliveries and acks none before the bundle and the archive are durable', async () => {
    const { clock, publisher, store, handler } = setup();
    const done: string[] = [];
    const deliveries = [1, 2, 3].map((i) => handler(pushEvent(JSON.stringify(reading(i)))).then((r) => (done.push(`m${i}`), r)));
    await settle();
    expect(done).toEqual([]);
    expect(publisher.published).toEqual([]);
    expect(store.objects.size).toBe(0);
    clock.advance(30);
    const results = await Promise.all(deliveries);
    expect(results.map((r) => r.path === 'stream' && [r.recordsIn, r.published, r.deadLettered, r.batch])).toEqual([
      [1, 1, 0, false],
      [1, 1, 0, false],
      [1, 1, 0, false],
    ]);
    const bundles = bundlesOn(publisher);
    expect(bundles).toHaveLength(1);
    expect(bundles[0]!.envelopes.map((e) => e.eventId)).toEqual(['r-1', 'r-2', 'r-3']);
    const objects = archived(store);
    expect(objects).toHaveLength(1);
    expect(objects[0]!.messages.map((m) => JSON.parse(Buffer.from(m.data).toString()) as unknown)).toEqual([reading(1), reading(2), reading(3)]);
    expect(handler.totals).toMatchObject({ messages: 3, recordsIn: 3, published: 3, deadLettered: 0, bundles: 1, archiveObjects: 1 });
  });

  it('throws for every delivery of a group whose publish failed (Pub/Sub redelivers), and acks after a good retry', async () => {
    const { clock, publisher, handler } = setup();
    publisher.failNext(Object.assign(new Error('UNAVAILABLE'), { code: 14 }));
    const a = handler(pushEvent(JSON.stringify(reading(1))));
    const b = handler(pushEvent(JSON.stringify(reading(2))));
    clock.advance(30);
    await expect(a).rejects.toThrow('UNAVAILABLE');
    await expect(b).rejects.toThrow('UNAVAILABLE');
    expect(publisher.on('events')).toEqual([]);
    const retry = handler(pushEvent(JSON.stringify(reading(1))));
    clock.advance(30);
    await expect(retry).resolves.toMatchObject({ published: 1 });
    expect(bundlesOn(publisher).flatMap((b) => b.envelopes.map((e) => e.eventId))).toEqual(['r-1']);
  });

  it('throws when the archive write fails, even though the bundle was published', async () => {
    const { clock, store, publisher, handler } = setup();
    store.write = () => Promise.reject(new Error('GCS 503'));
    const a = handler(pushEvent(JSON.stringify(reading(1))));
    clock.advance(30);
    await expect(a).rejects.toThrow('GCS 503');
    expect(bundlesOn(publisher)).toHaveLength(1);
  });

  it('splits a group at the byte cap, never exceeding it', async () => {
    const maxBytes = 2500;
    const { clock, publisher, handler } = setup(iot, { bundle: { maxBytes } });
    const deliveries = Array.from({ length: 12 }, (_, i) => handler(pushEvent(JSON.stringify(reading(i)))));
    clock.advance(30);
    await Promise.all(deliveries);
    const sizes = publisher.on('events').map((m) => m.data.length);
    expect(sizes.every((s) => s <= maxBytes)).toBe(true);
    expect(sizes.length).toBeGreaterThan(1);
    expect(bundlesOn(publisher).flatMap((b) => b.envelopes.map((e) => e.eventId)).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `r-${i}`).sort());
  });
});

describe('ingest streaming path: producer batches', () => {
  it('publishes an NDJSON batch as its own bundle without waiting for the group delay, dead-lettering only bad lines', async () => {
    const { clock, publisher, handler } = setup();
    const lines = [JSON.stringify(reading(1)), 'not json at all', JSON.stringify(reading(2)), JSON.stringify({ ...reading(3), measured_at: 'soon' })];
    const p = handler(pushEvent(lines.join('\n'), { gateway: 'g1' }));
    await settle();
    // The bundle is out before the archive's group delay has passed; the delivery still waits for the archive.
    expect(bundlesOn(publisher).map((b) => b.envelopes.map((e) => e.eventId))).toEqual([['r-1', 'r-2']]);
    clock.advance(30);
    const r = await p;
    expect(r).toMatchObject({ path: 'stream', recordsIn: 4, published: 2, deadLettered: 2, batch: true });
    const letters = publisher.on('dead-letter').map((m) => decodeDeadLetter(m.data));
    expect(letters.map((d) => [d.stage, d.reason, d.payload, d.attributes])).toEqual([
      ['ingest', 'invalid_json', 'not json at all', { gateway: 'g1' }],
      ['ingest', 'invalid_event_time', lines[3], { gateway: 'g1' }],
    ]);
  });

  it('splits a large producer batch only by the byte cap', async () => {
    const maxBytes = 4000;
    const { clock, publisher, handler } = setup(iot, { bundle: { maxBytes } });
    const rs = Array.from({ length: 40 }, (_, i) => reading(i));
    const p = handler(pushEvent(JSON.stringify(rs)));
    clock.advance(30);
    await p;
    const msgs = publisher.on('events');
    // Independent reference: greedy packing of the encoded envelopes under the cap.
    const frame = maxBytes - maxEnvelopeBytesFor('iot-sensors', { maxBytes });
    const envelopes = bundlesOn(publisher).flatMap((b) => b.envelopes);
    let expected = 0;
    let used = Infinity;
    for (const e of envelopes) {
      const n = Buffer.byteLength(JSON.stringify(e));
      if (used + 1 + n > maxBytes) {
        expected++;
        used = frame + n;
      } else used += 1 + n;
    }
    expect(msgs.length).toBe(expected);
    expect(msgs.every((m) => m.data.length <= maxBytes)).toBe(true);
    expect(envelopes.map((e) => e.record)).toEqual(rs);
    expect(msgs.map((m) => Number(m.attributes!['sluice-records']))).toEqual(bundlesOn(publisher).map((b) => b.envelopes.length));
    expect(msgs[0]!.attributes).toEqual({ 'sluice-kind': 'event-bundle', 'sluice-pipeline': 'iot-sensors', 'sluice-records': String(bundlesOn(publisher)[0]!.envelopes.length) });
  });

  it('dead-letters an oversized single event and publishes nothing for it', async () => {
    const { clock, publisher, handler } = setup(iot, { bundle: { maxBytes: 3000 } });
    const p = handler(pushEvent(JSON.stringify({ ...reading(1), blob: 'z'.repeat(5000) })));
    clock.advance(30);
    expect(await p).toMatchObject({ recordsIn: 1, published: 0, deadLettered: 1 });
    expect(publisher.on('events')).toEqual([]);
    expect(publisher.on('dead-letter').map((m) => decodeDeadLetter(m.data).reason)).toEqual(['event_too_large']);
  });
});

describe('ingest streaming path: archive', () => {
  it('archives one gzip NDJSON object per flush under dt=/hour= of the flush time, enough to rebuild the same envelopes', async () => {
    const { clock, publisher, store, handler } = setup();
    const events = [
      pushEvent(JSON.stringify(reading(1)), { k: 'v' }),
      pushEvent(`${JSON.stringify(reading(2))}\n${JSON.stringify(reading(3))}`),
      pushEvent(Buffer.from([0xc3, 0x28])),
    ];
    const ps = events.map((e) => handler(e));
    clock.advance(30);
    await Promise.all(ps);
    const objects = archived(store);
    expect(objects).toHaveLength(1);
    const flushIso = new Date(clock.now()).toISOString();
    expect(objects[0]!.name).toMatch(new RegExp(`^dt=${flushIso.slice(0, 10)}/hour=${flushIso.slice(11, 13)}/\\d+-[0-9a-f-]+\\.ndjson\\.gz$`));
    const raw = store.objects.get(`raw-archive/${objects[0]!.name}`)!.data;
    expect(gunzipSync(raw).toString().trim().split('\n')).toHaveLength(3);
    // Replay: decoding the archived messages gives the very envelopes that were published (ingest time aside).
    const replayed: Envelope[] = objects[0]!.messages.flatMap(
      (m) => decodeMessage(m, { messageId: m.messageId, publishTime: m.publishTime, attributes: m.attributes }, { definition: iot, ingestTime: clock.now() - 30, maxEnvelopeBytes: maxEnvelopeBytesFor('iot-sensors') }).envelopes,
    );
    const published = bundlesOn(publisher).flatMap((b) => b.envelopes);
    expect(replayed.map((e) => ({ ...e, ingestTime: 0 })).sort((a, b) => a.eventId.localeCompare(b.eventId))).toEqual(
      published.map((e) => ({ ...e, ingestTime: 0 })).sort((a, b) => a.eventId.localeCompare(b.eventId)),
    );
    expect(Buffer.from(objects[0]!.messages[2]!.data)).toEqual(Buffer.from([0xc3, 0x28]));
    expect(objects[0]!.messages[0]!.publishTime).toBe(PUBLISH_MS);
  });
});

describe('ingest: odd deliveries', () => {
  it('dead-letters a delivery that is not a Pub/Sub push and acks it', async () => {
    const { publisher, handler } = setup();
    expect(await handler({ source: 'x', data: { hello: 1 } })).toEqual({ path: 'invalid', deadLettered: 1 });
    expect(publisher.on('dead-letter').map((m) => decodeDeadLetter(m.data).reason)).toEqual(['invalid_push']);
  });

  it('writes one dead_letter metric line per dead-lettered record', async () => {
    const { clock, lines, handler } = setup();
    const p = handler(pushEvent('{"a":1}\n{"b":2}\n[[['));
    clock.advance(30);
    await p;
    const metrics = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.sluiceMetric === 'dead_letter');
    expect(metrics.map((m) => m.reason)).toEqual(['missing_event_time', 'missing_event_time', 'invalid_json']);
  });
});

describe('ingest streaming path: replayed messages', () => {
  const click = { user_email: 'a@example.com', event_type: 'click', page: '/p', ip: '10.0.0.1' }; // no client_ts: event time falls back to the publish time
  const eventTimeOf = async (attributes: Record<string, string>): Promise<number> => {
    const { clock, publisher, handler } = setup(clickstream);
    const p = handler(pushEvent(JSON.stringify(click), attributes));
    clock.advance(30);
    await p;
    return bundlesOn(publisher)[0]!.envelopes[0]!.eventTime;
  };

  it('derives publish-time event times from the original publish time a replay carries', async () => {
    const original = PUBLISH_MS - 3_600_000;
    expect(await eventTimeOf({})).toBe(PUBLISH_MS);
    expect(await eventTimeOf({ [ORIGINAL_PUBLISH_TIME_ATTRIBUTE]: String(original) })).toBe(original);
  });

  it('ignores an original publish time that is later than the message’s own, or not epoch ms', async () => {
    for (const bad of [String(PUBLISH_MS + 1), '2026-03-01T09:00:00Z', '-5', '0', '']) {
      expect(await eventTimeOf({ [ORIGINAL_PUBLISH_TIME_ATTRIBUTE]: bad })).toBe(PUBLISH_MS);
    }
  });
});

describe('ingest dead letters under PII rules', () => {
  it('keeps a rejected record’s shape with the PII rules applied, and withholds raw text that is not one record', async () => {
    // clickstream hashes user_email and masks ip (to a /24).
    const good = { user_email: 'ada@example.com', event_type: 'click', page: '/p', ip: '203.0.113.77', client_ts: PUBLISH_MS - 5 };
    const badTime = { ...good, user_email: 'bob@example.com', client_ts: 'soon' };
    const lines = [JSON.stringify(good), JSON.stringify(badTime), '{"user_email": "eve@example.com", oops'];
    const { clock, publisher, handler } = setup(clickstream);
    const p = handler(pushEvent(lines.join('\n'), {}, undefined, 'msg-42'));
    clock.advance(30);
    await p;
    const letters = publisher.on('dead-letter').map((m) => decodeDeadLetter(m.data));
    expect(letters.map((d) => d.reason)).toEqual(['invalid_event_time', 'invalid_json']);
    const [timeLetter, jsonLetter] = letters;
    expect(JSON.parse(timeLetter!.payload)).toEqual({ ...badTime, user_email: '[redacted]', ip: '203.0.113.0' });
    expect(jsonLetter!.payload).toBe('');
    expect(jsonLetter!.message).toMatch(/withheld: the pipeline declares PII fields; the original is in the raw archive, message msg-42/);
    for (const d of letters) expect(JSON.stringify(d)).not.toMatch(/(bob|eve)@example\.com|203\.0\.113\.77/);
  });

  it('keeps raw text as received for a pipeline without PII rules', async () => {
    const { clock, publisher, handler } = setup(iot);
    const p = handler(pushEvent('{"device_id": "d1", oops'));
    clock.advance(30);
    await p;
    expect(publisher.on('dead-letter').map((m) => decodeDeadLetter(m.data).payload)).toEqual(['{"device_id": "d1", oops']);
  });
});

describe('redactedRaw', () => {
  const pii = [
    { field: 'email', action: 'hash' as const, key: { secret: 'k' } },
    { field: 'ip', action: 'mask' as const, strategy: 'ipPrefix' as const },
  ];
  const row = { id: 1, email: 'ada@example.com', ip: '203.0.113.77' };
  const redacted = { id: 1, email: '[redacted]', ip: '203.0.113.0' };

  it('applies the rules to the row images of a change event, bare or under payload, whatever its op', () => {
    const bare = { op: 'x', before: row, after: row, ts_ms: 1 };
    expect(JSON.parse(redactedRaw(JSON.stringify(bare), pii).raw as string)).toEqual({ ...bare, before: redacted, after: redacted });
    const wrapped = { schema: {}, payload: { op: 7, after: row } };
    expect(JSON.parse(redactedRaw(Buffer.from(JSON.stringify(wrapped)), pii).raw as string)).toEqual({ schema: {}, payload: { op: 7, after: redacted } });
  });

  it('withholds what is not one JSON object: arrays, scalars, broken JSON, invalid UTF-8', () => {
    for (const raw of [JSON.stringify([row]), '"ada@example.com"', '{"email": "ada@example.com"', Buffer.from([0x7b, 0xff, 0x7d])]) {
      expect(redactedRaw(raw, pii)).toEqual({ raw: '', withheld: true });
    }
    expect(redactedRaw('{"email": "ada@', [])).toEqual({ raw: '{"email": "ada@', withheld: false });
  });
});
