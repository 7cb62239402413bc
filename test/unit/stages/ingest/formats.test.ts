import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { archivePathOf, cdcPositionOf, type FileRecord, fileFormatOf, fileRecords, looksLikeCdc } from '../../../../shared/stages/ingest';
import { iot } from './fixtures';

async function collect(data: Buffer, name: string, chunkBytes = 7): Promise<FileRecord[]> {
  async function* chunks() {
    for (let i = 0; i < data.length; i += chunkBytes) yield data.subarray(i, i + chunkBytes);
  }
  const out: FileRecord[] = [];
  for await (const r of fileRecords(chunks(), { name, source: iot.source })) out.push(r);
  return out;
}
const summary = (rs: FileRecord[]) => rs.map((r) => ('error' in r ? `!${r.error.reason}` : `${r.format}:${JSON.stringify(r.value)}`));

describe('archivePathOf', () => {
  it.each([
    [Date.parse('2026-03-01T00:00:00.000Z'), 'dt=2026-03-01/hour=00/'],
    [Date.parse('2026-03-01T23:59:59.999Z'), 'dt=2026-03-01/hour=23/'],
    [Date.parse('2026-12-31T09:30:00.000Z'), 'dt=2026-12-31/hour=09/'],
    [0, 'dt=1970-01-01/hour=00/'],
  ])('partitions %i under %s (UTC)', (ms, prefix) => {
    expect(archivePathOf(ms, 'abc')).toBe(`${prefix}${ms}-abc.ndjson.gz`);
  });
});

describe('cdcPositionOf', () => {
  it.each([
    [{ lsn: 123 }, '123'],
    [{ file: 'mysql-bin.000003', pos: 154 }, 'mysql-bin.000003:154:0'],
    [{ commit_lsn: '0000002d:00000bb8:0003', change_lsn: '0000002d:00000bb8:0002' }, '0000002d:00000bb8:0003:0000002d:00000bb8:0002'],
    [{ scn: '2048' }, '2048'],
    [{ ord: 4 }, '4'],
    [{ connector: 'x' }, ''],
    [null, ''],
  ])('%j → %s', (source, position) => {
    expect(cdcPositionOf(source)).toBe(position);
  });

  it('recognises change events, bare or wrapped', () => {
    expect([looksLikeCdc({ op: 'c', after: {} }), looksLikeCdc({ payload: { op: 'd', before: {} } }), looksLikeCdc({ op: 'c' }), looksLikeCdc({ after: {} })]).toEqual([true, true, false, false]);
  });
});

describe('fileFormatOf and fileRecords', () => {
  it.each([
    ['a.csv', undefined, 'csv'],
    ['a.CSV.gz', undefined, 'csv'],
    ['a.jsonl', undefined, 'ndjson'],
    ['a.ndjson.gz', undefined, 'ndjson'],
    ['a.json', undefined, 'json'],
    ['a.dat', 'text/csv; charset=utf-8', 'csv'],
    ['a.dat', 'application/x-ndjson', 'ndjson'],
    ['a.dat', undefined, undefined],
  ])('%s (%s) is %s', (name, type, format) => {
    expect(fileFormatOf(name, type)).toBe(format);
  });

  it('splits NDJSON across chunk boundaries, CRLF and blank lines included', async () => {
    const data = Buffer.from('{"a":1}\r\n\r\n{"b":"é"}\n  \n{"c":3}');
    expect(summary(await collect(data, 'x.ndjson', 3))).toEqual(['ndjson:{"a":1}', 'ndjson:{"b":"é"}', 'ndjson:{"c":3}']);
  });

  it('sniffs an unnamed file: JSON lines, a JSON array, or CSV', async () => {
    expect(summary(await collect(Buffer.from('{"a":1}\n{"a":2}'), 'blob'))).toEqual(['ndjson:{"a":1}', 'ndjson:{"a":2}']);
    expect(summary(await collect(Buffer.from(' [{"a":1},{"a":2}]'), 'blob'))).toEqual(['json:{"a":1}', 'json:{"a":2}']);
    expect(summary(await collect(gzipSync('x,y\n1,2\n'), 'blob'))).toEqual(['csv:{"x":"1","y":"2"}']);
  });

  it('dead-letters a CSV row csv-parse cannot read, in its place in the file', async () => {
    expect(summary(await collect(Buffer.from('x,y\n1,2\n3,"4\n5,6\n'), 'a.csv'))).toEqual(['csv:{"x":"1","y":"2"}', '!invalid_csv']);
    expect(summary(await collect(Buffer.from('x,y\n1,2\n3,4"\n5,6\n'), 'a.csv', 64))).toEqual(['csv:{"x":"1","y":"2"}', '!invalid_csv', 'csv:{"x":"5","y":"6"}']);
  });

  it('dead-letters only the CSV lines that are not UTF-8 and keeps the rest', async () => {
    const bad = Buffer.concat([Buffer.from('x,y\n1,2\n'), Buffer.from([0xff, 0x2c, 0x33, 0x0a]), Buffer.from('5,6\n')]);
    for (const size of [3, 64]) {
      const out = await collect(bad, 'a.csv', size);
      expect(summary(out)).toEqual(['csv:{"x":"1","y":"2"}', '!invalid_utf8', 'csv:{"x":"5","y":"6"}']);
      expect(Buffer.from(out[1]!.raw)).toEqual(Buffer.from([0xff, 0x2c, 0x33]));
    }
    expect(summary(await collect(Buffer.concat([Buffer.from([0xfe]), Buffer.from(',y\n1,2\n')]), 'a.csv'))).toEqual(['!invalid_utf8', '!invalid_utf8']);
  });

  it('refuses a JSON-array file above the byte limit instead of buffering it', async () => {
    const data = Buffer.from(JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ i }))));
    const out: FileRecord[] = [];
    for await (const r of fileRecords((async function* () { yield data; })(), { name: 'a.json', source: iot.source, limits: { maxBytes: 100 } })) out.push(r);
    expect(summary(out)).toEqual(['!too_large']);
  });
});
