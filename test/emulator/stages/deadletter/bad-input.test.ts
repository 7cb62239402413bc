/**
 * A corpus of bad input, end to end on the emulators: raw messages, a landed file and odd
 * messages → ingest → dead-letter topic → deadletter stage → BigQuery `dead_letter`, each with the
 * right stage and reason, while the good records travel on: count in = count out + dead-lettered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngestStack, startIngestStack, waitFor } from '../ingest/harness';

const BASE_MS = Date.parse('2026-03-01T10:00:00Z');
const good = (id: string, i = 0) => ({ reading_id: id, device_id: 'dev-1', measured_at: new Date(BASE_MS + i * 1000).toISOString(), temperature_c: 21.5 });
const line = (x: unknown) => JSON.stringify(x);

interface Case {
  kind: string;
  data: string | Buffer;
  attributes?: Record<string, string>;
  /** Dead letters expected, as `stage/reason`, in any order. */
  expect: string[];
  /** Good records in the message. */
  good: number;
}

const csvHeader = 'reading_id,device_id,measured_at,temperature_c';
const raw: Case[] = [
  { kind: 'invalid UTF-8', data: Buffer.from([0x7b, 0x22, 0x61, 0xff, 0xfe, 0x22, 0x7d]), expect: ['ingest/invalid_utf8'], good: 0 },
  { kind: 'empty payload', data: ' \n ', expect: ['ingest/empty_payload'], good: 0 },
  { kind: 'truncated JSON', data: '{"reading_id": "t-1", "device_id": ', expect: ['ingest/invalid_json'], good: 0 },
  { kind: 'JSON string, not an object', data: '"just a string"', expect: ['ingest/not_an_object'], good: 0 },
  { kind: 'array of a primitive', data: '[1]', expect: ['ingest/not_an_object'], good: 0 },
  { kind: 'empty array', data: '[]', expect: ['ingest/empty_payload'], good: 0 },
  { kind: 'deep nesting', data: `${'['.repeat(200)}${']'.repeat(200)}`, expect: ['ingest/too_deep'], good: 0 },
  { kind: '__proto__ key', data: '{"__proto__": {"admin": true}, "reading_id": "p-1"}', expect: ['ingest/hostile_key'], good: 0 },
  { kind: 'nested constructor key', data: line({ ...good('c-1'), meta: { constructor: { prototype: { x: 1 } } } }), expect: ['ingest/hostile_key'], good: 0 },
  { kind: 'huge string', data: line({ ...good('s-1'), note: 'x'.repeat(300 * 1024) }), expect: ['ingest/string_too_long'], good: 0 },
  { kind: 'too many keys', data: line({ ...good('k-1'), ...Object.fromEntries(Array.from({ length: 2100 }, (_, i) => [`f${i}`, i])) }), expect: ['ingest/too_many_keys'], good: 0 },
  { kind: 'missing event time', data: line({ reading_id: 'm-1', device_id: 'dev-1', temperature_c: 1 }), expect: ['ingest/missing_event_time'], good: 0 },
  { kind: 'malformed event time', data: line({ ...good('m-2'), measured_at: 'yesterday' }), expect: ['ingest/invalid_event_time'], good: 0 },
  { kind: 'impossible event time', data: line({ ...good('m-3'), measured_at: '2026-02-30T10:00:00Z' }), expect: ['ingest/invalid_event_time'], good: 0 },
  { kind: 'event id of the wrong type', data: line({ ...good('x'), reading_id: { nested: true } }), expect: ['ingest/missing_event_id'], good: 0 },
  { kind: 'oversized single event', data: line({ ...good('big-1'), note: 'y'.repeat(20_000) }), expect: ['ingest/event_too_large'], good: 0 },
  { kind: 'unknown declared format', data: line(good('u-1')), attributes: { 'sluice-format': 'xml' }, expect: ['ingest/unsupported_format'], good: 0 },
  { kind: 'CSV row with a missing cell', data: [csvHeader, 'g-csv-1,dev-1,2026-03-01T10:00:00Z,20', 'g-csv-2,dev-1,2026-03-01T10:00:01Z'].join('\n'), expect: ['ingest/invalid_csv'], good: 1 },
  { kind: 'hostile CSV header', data: ['__proto__,measured_at', 'x,2026-03-01T10:00:00Z'].join('\n'), expect: ['ingest/hostile_key'], good: 0 },
  { kind: 'NDJSON batch with bad lines', data: [line(good('g-nd-1')), '{oops', line(good('g-nd-2')), line({ ...good('g-nd-3'), measured_at: 17 })].join('\n'), expect: ['ingest/invalid_json', 'ingest/invalid_event_time'], good: 2 },
  { kind: 'JSON array with one bad element', data: line([good('g-arr-1'), 'text', good('g-arr-2')]), expect: ['ingest/not_an_object'], good: 2 },
  { kind: 'good single event', data: line(good('g-single-1')), expect: [], good: 1 },
  { kind: 'good single event 2', data: line(good('g-single-2', 5)), expect: [], good: 1 },
];

describe('bad input lands in dead_letter with the right reason; nothing else is lost', () => {
  let stack: IngestStack;
  beforeAll(async () => {
    stack = await startIngestStack('dl', { bundleMaxBytes: 16 * 1024, failAttribute: 'test-fail', fastDeadLettering: true });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('a corpus of 26 kinds of bad input', async () => {
    const expected: string[] = [];
    let goodIn = 0;
    let recordsIn = 0;
    for (const c of raw) {
      await stack.publishRaw(c.data, c.attributes);
      expected.push(...c.expect);
      goodIn += c.good;
      recordsIn += c.good + c.expect.length;
    }
    // A landed file with bad lines (batch path): bad UTF-8 in one line, a missing time in another.
    const file = Buffer.concat([
      Buffer.from(`${line(good('g-file-1'))}\n`),
      Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d, 0x0a]),
      Buffer.from(`${line({ reading_id: 'f-2', device_id: 'dev-1' })}\n${line(good('g-file-2'))}\n`),
    ]);
    await stack.clients.storage.bucket(stack.topology.buckets.landing.name).file('bad/mixed.ndjson').save(file, { resumable: false });
    expected.push('ingest/invalid_utf8', 'ingest/missing_event_time');
    goodIn += 2;
    recordsIn += 4;
    // A message on the files topic that is not a storage notification.
    await stack.clients.pubsub.topic(stack.topology.topics.files.name).publishMessage({ data: Buffer.from('{"hello":"world"}') });
    expected.push('ingest/invalid_notification');
    recordsIn += 1;
    // A delivery that fails every time: Pub/Sub itself dead-letters it after max delivery attempts.
    await stack.publishRaw(line(good('never-1')), { 'test-fail': 'always' });
    expected.push('ingest/max_delivery_attempts');
    // Garbage published straight to the dead-letter topic: recorded, not lost.
    await stack.clients.pubsub.topic(stack.topology.topics.deadLetter.name).publishMessage({ data: Buffer.from('not a dead letter') });
    expected.push('deadletter/invalid_json');

    // Waiting is not the assertion: on a timeout the comparison below shows what did arrive.
    const rows = await waitFor(
      `${expected.length} dead_letter rows`,
      async () => {
        const r = await stack.deadLetterRows();
        return r.length >= expected.length ? r : undefined;
      },
      60_000,
    ).catch(() => stack.deadLetterRows());
    // Pub/Sub dead-lettered the always-failing delivery after exactly its max attempts.
    expect(stack.failures).toHaveLength(5);
    expect(stack.failureLogs).toEqual(Array(5).fill(expect.stringMatching(/^Error: simulated transient failure that never clears\n/)));
    expect(rows.map((r) => `${r.stage}/${r.reason}`).sort()).toEqual([...expected].sort());
    await waitFor(`${goodIn} good records on the events topic`, () => (stack.envelopes().length >= goodIn ? true : undefined));

    // Count in = out + dead-lettered, for the records ingest decoded.
    const out = stack.envelopes();
    expect(new Set(out.map((e) => e.eventId)).size).toBe(out.length);
    expect(out.every((e) => e.eventId.startsWith('g-'))).toBe(true);
    const ingestDeadLettered = rows.filter((r) => r.stage === 'ingest' && r.reason !== 'max_delivery_attempts').length;
    expect(out.length + ingestDeadLettered).toBe(recordsIn);
    expect(stack.ingest.totals.recordsIn).toBe(recordsIn);
    expect(stack.ingest.totals.published + stack.ingest.totals.deadLettered).toBe(stack.ingest.totals.recordsIn);

    // Payloads are the offending record only, not its whole batch.
    const payloadOf = (reason: string, contains: string) => rows.find((r) => r.reason === reason && r.payload.includes(contains));
    expect(payloadOf('invalid_json', '{oops')?.payload).toBe('{oops');
    expect(payloadOf('invalid_csv', 'g-csv-2')?.payload).toBe('g-csv-2,dev-1,2026-03-01T10:00:01Z');
    expect(rows.find((r) => r.reason === 'event_too_large')?.event_id).toBe('big-1');
    expect(rows.find((r) => r.reason === 'max_delivery_attempts')?.payload).toBe(line(good('never-1')));
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    const kinds = raw.filter((c) => c.expect.length > 0).length + 2 + 3;
    expect(kinds).toBe(26);
    console.info(`[bad-input] ${kinds} kinds; records in ${recordsIn}, out ${out.length} in ${stack.bundles.length} bundles, dead-lettered ${ingestDeadLettered}; dead_letter rows ${rows.length}`);
  });
});
