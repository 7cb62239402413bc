import { describe, expect, it } from 'vitest';
import { insertAllRequestSize, pubsubMessageSize } from '../../../shared/limits';

describe('pubsubMessageSize', () => {
  it('counts data, attribute keys and values (UTF-8) and the ordering key', () => {
    expect(pubsubMessageSize({ data: Buffer.alloc(10) })).toBe(10);
    expect(pubsubMessageSize({ data: Buffer.alloc(10), attributes: { id: 'é1' }, orderingKey: 'agg/3' })).toBe(10 + 2 + 3 + 5);
  });
});

describe('insertAllRequestSize', () => {
  it('is the JSON body the client sends, insertIds included', () => {
    const rows = [{ insertId: 'p-1', json: { n: 1 } }, { json: { s: 'é' } }];
    expect(insertAllRequestSize(rows)).toBe(Buffer.byteLength('{"rows":[{"insertId":"p-1","json":{"n":1}},{"json":{"s":"é"}}]}'));
  });
});
