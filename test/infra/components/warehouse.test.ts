import { beforeEach, describe, expect, it } from 'vitest';
import { Warehouse, type WarehouseArgs, type WarehouseTableArgs } from '../../../infra/components/warehouse';
import { ofType, PROJECT, recordResources, settle, type Registered } from '../mocks';

const events: WarehouseTableArgs = {
  tableId: 'events', description: 'clean events', requirePartitionFilter: true,
  schema: [{ name: 'event_time', type: 'TIMESTAMP', mode: 'REQUIRED' }, { name: 'user', type: 'STRING' }, { name: 'page', type: 'STRING' }],
  partitioning: { field: 'event_time', type: 'DAY', expirationMs: 86_400_000 * 180 },
  clustering: ['user', 'page'],
};
const args = (over: Partial<WarehouseArgs> = {}): WarehouseArgs => ({
  project: PROJECT, location: 'EU', datasetId: 'sluice_x', description: 'd', tables: [events],
  views: [{ tableId: 'events_dedup', description: 'dedup', query: 'SELECT * FROM t', dependsOn: ['events'] }],
  tableWriters: [{ table: 'events', name: 'transform', member: 'serviceAccount:t@x' }], dataViewers: [], protectData: false, labels: {}, ...over,
});

describe('Warehouse', () => {
  let all: Registered[];
  beforeEach(async () => {
    all = await recordResources();
  });

  it('creates partitioned, clustered, expiring tables and standard-SQL views after them', async () => {
    new Warehouse('wh', args({ defaultPartitionExpirationMs: 1000 }));
    await settle();
    const [ds] = ofType(all, 'gcp:bigquery/dataset:Dataset');
    expect(ds!.inputs).toMatchObject({ datasetId: 'sluice_x', location: 'EU', deleteContentsOnDestroy: true, defaultPartitionExpirationMs: 1000 });
    const tables = ofType(all, 'gcp:bigquery/table:Table');
    const t = tables.find((x) => x.inputs.tableId === 'events')!;
    expect(t.inputs).toMatchObject({
      timePartitioning: { type: 'DAY', field: 'event_time', expirationMs: 86_400_000 * 180 },
      clusterings: ['user', 'page'], requirePartitionFilter: true, deletionProtection: false,
    });
    expect(JSON.parse(t.inputs.schema)).toEqual(events.schema);
    const v = tables.find((x) => x.inputs.tableId === 'events_dedup')!;
    expect(v.inputs.view).toEqual({ query: 'SELECT * FROM t', useLegacySql: false });
    expect(v.inputs.timePartitioning).toBeUndefined();
    expect(ofType(all, 'gcp:bigquery/iamMember:IamMember').map((g) => [g.inputs.role, g.inputs.member, g.inputs.tableId])).toEqual([['roles/bigquery.dataEditor', 'serviceAccount:t@x', 'events']]);
    expect(ofType(all, 'gcp:bigquery/datasetIamMember:DatasetIamMember')).toEqual([]);
  });

  it('protects data when asked', async () => {
    new Warehouse('wh', args({ protectData: true }));
    await settle();
    expect(ofType(all, 'gcp:bigquery/dataset:Dataset')[0]!.inputs.deleteContentsOnDestroy).toBe(false);
    expect(ofType(all, 'gcp:bigquery/table:Table').find((x) => x.inputs.tableId === 'events')!.inputs.deletionProtection).toBe(true);
  });

  it.each<[Partial<WarehouseTableArgs>, RegExp]>([
    [{ clustering: ['a', 'b', 'c', 'd', 'e'] }, /at most 4 columns; got 5/],
    [{ clustering: ['missing'] }, /column "missing" is not in the schema/],
    [{ partitioning: { field: 'user', type: 'DAY' } }, /must be TIMESTAMP, DATE or DATETIME; got STRING/],
  ])('rejects %j', (over, message) => {
    expect(() => new Warehouse('bad', args({ tables: [{ ...events, ...over }] }))).toThrow(message);
  });

  it('rejects a view named like a table', () => {
    expect(() => new Warehouse('bad', args({ views: [{ tableId: 'events', description: '', query: 'SELECT 1', dependsOn: [] }] }))).toThrow(/defined twice/);
    expect(() => new Warehouse('bad', args({ views: [{ tableId: 'v', description: '', query: 'SELECT 1', dependsOn: ['later'] }] }))).toThrow(/reads "later", which is not a table or an earlier view/);
    expect(() => new Warehouse('bad', args({ tableWriters: [{ table: 'nope', name: 'x', member: 'serviceAccount:x@y' }] }))).toThrow(/writes to "nope"/);
  });
});
