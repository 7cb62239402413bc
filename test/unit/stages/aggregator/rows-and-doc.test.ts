import { describe, expect, it } from 'vitest';
import { compileAggregation, initialPartitionState, processBundle } from '../../../../shared/core/engine';
import { END_OF_TIME, MIN_TIMESTAMP } from '../../../../shared/core/time';
import { definePipeline, type AnyPipeline } from '../../../../shared/pipeline';
import {
  approximateBytes,
  bucketStartOf,
  decodePartitionDoc,
  encodePartitionDoc,
  GZIP_ABOVE_BYTES,
  idToken,
  LEDGER_MAX_IDS,
  LedgerBucket,
  MAX_STATE_BYTES,
  newPartitionDoc,
  PaneRowWriter,
  STATE_CHUNK_BYTES,
  STATE_INLINE_BYTES,
  timestampOrNull,
} from '../../../../shared/stages/aggregator';
import { prng } from './fixtures';
import { topologyFor } from '../../../../shared/topology';

const pipeline = definePipeline({
  name: 'rows-test',
  source: { formats: ['json'], eventId: { from: 'field', path: 'id' }, eventTime: { from: 'field', path: 'ts', format: 'epochMs' } },
  schema: {
    type: 'object',
    properties: { id: { type: 'string' }, ts: { type: 'integer' }, region: { type: 'string' }, site: { type: 'string' }, v: { type: 'number' }, tag: { type: 'string' } },
  },
  watermark: { maxOutOfOrderness: '1m', idleTimeout: '1m' },
  aggregations: [
    {
      name: 'g',
      keyFields: ['region', 'site'],
      window: { kind: 'global' },
      trigger: { kind: 'repeatedly', trigger: { kind: 'afterCount', count: 3 } },
      allowedLateness: '0s',
      accumulation: 'ACCUMULATING',
      measures: [
        { name: 'n', kind: 'count' },
        { name: 'q', kind: 'approxQuantiles', field: 'v', quantiles: [0.5, 0.9] },
        { name: 'top', kind: 'topK', field: 'tag', k: 2 },
        { name: 'last_tag', kind: 'latest', field: 'tag' },
      ],
      partitions: 1,
    },
  ],
  retention: { rawArchive: {} },
}) as AnyPipeline;

describe('PaneRowWriter', () => {
  it('writes the pane table contract: key columns, NULL global bounds, REPEATED quantiles, topK records, schema columns only', () => {
    const topology = topologyFor(pipeline, { project: 'sluice-test', region: 'europe-west1', env: 'local' });
    const table = topology.dataset.tables.find((t) => t.name === 'g_panes')!;
    const agg = compileAggregation(pipeline.aggregations[0]!);
    const key = JSON.stringify(['eu', 's1']);
    const elements = ['a', 'b', 'a'].map((tag, i) => ({ key, timestamp: 1000 + i, value: { v: i, tag }, id: `e${i}` }));
    const { panes } = processBundle(agg, initialPartitionState(), { elements, watermark: MIN_TIMESTAMP, processingTime: 5000 });
    expect(panes).toHaveLength(1);
    const row = new PaneRowWriter(pipeline.name, pipeline.aggregations[0]!, table).row(panes[0]!);
    expect(row.insertId).toBe(panes[0]!.paneId);
    const columns = new Set(table.schema.map((c) => c.name));
    for (const k of Object.keys(row.json)) expect(columns.has(k), k).toBe(true);
    expect(row.json).toMatchObject({ key, region: 'eu', site: 's1', window_start: null, window_end: null, pane_timing: 'EARLY', n: 3, last_tag: 'a', watermark: null });
    expect(row.json.fired_at).toBe(new Date(5000).toISOString());
    expect(Array.isArray(row.json.q) && (row.json.q as unknown[]).every((x) => typeof x === 'number')).toBe(true);
    expect(row.json.top).toEqual([
      { value: 'a', count: 2 },
      { value: 'b', count: 1 },
    ]);
  });

  it.each([
    [MIN_TIMESTAMP, null],
    [END_OF_TIME, null],
    [0, '1970-01-01T00:00:00.000Z'],
    [-1, '1969-12-31T23:59:59.999Z'],
  ])('timestampOrNull(%s) = %s', (ms, want) => expect(timestampOrNull(ms)).toBe(want));
});

describe('partition document', () => {
  it('round-trips, and gzips a large engine state into one string field', () => {
    const small = newPartitionDoc('a', 1, 'ep');
    expect(decodePartitionDoc(encodePartitionDoc(small, 10, 1000).doc)).toEqual(small);
    const big = newPartitionDoc('a', 1, 'ep');
    big.state.keys = Array.from({ length: 2000 }, (_, i) => ({
      key: `key-${i}`,
      windows: [{ s: 0, e: 60_000, a: [i, i * 2], c: 1, p: 1, t: [0], i: 0, ns: -1, lt: 0, ot: 1, x: 0, te: 60_000, tp: null }],
    }));
    const { doc, stateChunks } = encodePartitionDoc(big, 10, 1000);
    expect(stateChunks).toEqual([]);
    expect(JSON.stringify(big.state).length).toBeGreaterThan(GZIP_ABOVE_BYTES);
    expect(doc.state).toBeUndefined();
    expect(typeof doc.stateGz).toBe('string');
    expect((doc.stateGz as string).length).toBeLessThan(JSON.stringify(big.state).length / 4);
    expect(decodePartitionDoc(doc).state).toEqual(big.state);
    expect(doc.expireAt).toBeNull();
  });

  it('spreads a state too large for one document over chunk documents, each far under 1 MiB, and reads it back', () => {
    const big = newPartitionDoc('a', 1, 'ep');
    // 1,200 keys of 1,000 incompressible characters: about 1 MB of gzip.
    const rand = prng(4);
    big.state.keys = Array.from({ length: 1200 }, () => ({
      key: Array.from({ length: 1000 }, () => String.fromCharCode(33 + Math.floor(rand() * 90))).join(''),
      windows: [{ s: 0, e: 60_000, a: [1, 2], c: 1, p: 1, t: [0], i: 0, ns: -1, lt: 0, ot: 1, x: 0, te: 60_000, tp: null }],
    }));
    const { doc, stateChunks } = encodePartitionDoc(big, 10, 1000);
    expect(stateChunks.length).toBeGreaterThan(1);
    expect(doc.stateChunks).toBe(stateChunks.length);
    expect(doc.stateGz).toBeUndefined();
    for (const gz of stateChunks) expect(gz.length).toBeLessThanOrEqual(STATE_CHUNK_BYTES);
    expect(approximateBytes(doc)).toBeLessThan(STATE_INLINE_BYTES);
    expect(decodePartitionDoc(doc, stateChunks.map((gz) => ({ gz }))).state).toEqual(big.state);
    // A missing chunk is an error, never an empty state.
    expect(() => decodePartitionDoc(doc, stateChunks.slice(1).map((gz) => ({ gz })))).toThrow(/names \d+ state chunks/);
  });

  it('refuses a state over its gzipped budget, and a document over the size budget, with the fix in the message', () => {
    const rand = prng(5);
    const giant = newPartitionDoc('a', 1, 'ep');
    giant.state.keys = Array.from({ length: 5000 }, () => ({
      key: Array.from({ length: 1000 }, () => String.fromCharCode(33 + Math.floor(rand() * 90))).join(''),
      windows: [],
    }));
    expect(() => encodePartitionDoc(giant, 10, 1000)).toThrow(new RegExp(`over the ${MAX_STATE_BYTES}-byte budget.*raise the aggregation's partitions`));
    const huge = newPartitionDoc('a', 1, 'ep');
    huge.outbox = Array.from({ length: 5000 }, (_, i) => ({ seq: i, table: 't', row: { insertId: `${i}`, json: { blob: 'x'.repeat(200) } } }));
    expect(() => encodePartitionDoc(huge, 10, 1000)).toThrow(/raise the aggregation's partitions/);
  });
});

describe('ledger', () => {
  it.each([
    [0, 60_000, 0],
    [59_999, 60_000, 0],
    [60_000, 60_000, 60_000],
    [-1, 60_000, -60_000],
  ])('bucketStartOf(%s, %s) = %s', (t, w, want) => expect(bucketStartOf(t, w)).toBe(want));

  it('recognises a token it holds, across a store round-trip', () => {
    const b = new LedgerBucket('p', 0, 100, undefined);
    expect(b.add(idToken('e1'))).toBe(true);
    expect(b.add(idToken('e1'))).toBe(false);
    const again = new LedgerBucket('p', 0, 100, b.toDoc(100));
    expect(again.add(idToken('e1'))).toBe(false);
    expect(again.add(idToken('e2'))).toBe(true);
    expect(idToken('e1')).toHaveLength(11);
  });

  it('refuses a bucket near the document size limit with the fix in the message', () => {
    const b = new LedgerBucket('ledger/x', 0, 100, undefined);
    for (let i = 0; i <= LEDGER_MAX_IDS; i++) b.add(idToken(`e${i}`));
    expect(() => b.toDoc(100)).toThrow(/lower ledgerBucketMs or raise the aggregation's partitions/);
  });
});
