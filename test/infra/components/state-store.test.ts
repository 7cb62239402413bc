import { beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../../infra/components/state-store';
import { ofType, PROJECT, recordResources, settle, type Registered } from '../mocks';

describe('StateStore', () => {
  let all: Registered[];
  beforeEach(async () => {
    all = await recordResources();
  });

  it('creates a named native database with composite indexes, TTL policies and database-scoped users', async () => {
    new StateStore('state', {
      project: PROJECT, locationId: 'eur3', databaseName: 'sluice-x-state', createDatabase: true, protectData: false,
      indexes: [{ name: 'due', collection: 'partitions', queryScope: 'COLLECTION', fields: [{ fieldPath: 'aggregation', order: 'ASCENDING' }, { fieldPath: 'nextTimerMs', order: 'ASCENDING' }] }],
      ttlPolicies: [{ collection: 'ledger', field: 'expireAt' }],
      indexExemptions: [{ collection: 'partitions', field: 'state' }],
      users: [{ name: 'agg', member: 'serviceAccount:a@x' }],
    });
    await settle();
    expect(ofType(all, 'gcp:firestore/database:Database')[0]!.inputs).toMatchObject({ name: 'sluice-x-state', locationId: 'eur3', type: 'FIRESTORE_NATIVE', deletionPolicy: 'DELETE', deleteProtectionState: 'DELETE_PROTECTION_DISABLED' });
    expect(ofType(all, 'gcp:firestore/index:Index')[0]!.inputs).toMatchObject({ database: 'sluice-x-state', collection: 'partitions', fields: [{ fieldPath: 'aggregation', order: 'ASCENDING' }, { fieldPath: 'nextTimerMs', order: 'ASCENDING' }] });
    const fields = ofType(all, 'gcp:firestore/field:Field').map((f) => f.inputs);
    expect(fields).toHaveLength(2);
    expect(fields[0]).toMatchObject({ database: 'sluice-x-state', collection: 'ledger', field: 'expireAt', ttlConfig: {} });
    expect(fields[0]!.indexConfig).toBeUndefined();
    expect(fields[1]).toMatchObject({ database: 'sluice-x-state', collection: 'partitions', field: 'state', indexConfig: {} });
    expect(fields[1]!.ttlConfig).toBeUndefined();
    const [iam] = ofType(all, 'gcp:projects/iAMMember:IAMMember');
    expect(iam!.inputs).toMatchObject({ role: 'roles/datastore.user', member: 'serviceAccount:a@x', condition: { expression: `resource.name == "projects/${PROJECT}/databases/sluice-x-state"` } });
  });

  it('never deletes the (default) database on destroy, and can adopt an existing one', async () => {
    new StateStore('a', { project: PROJECT, locationId: 'eur3', databaseName: '(default)', createDatabase: true, protectData: false, indexes: [], ttlPolicies: [], indexExemptions: [], users: [] });
    await settle();
    expect(ofType(all, 'gcp:firestore/database:Database')[0]!.inputs.deletionPolicy).toBe('ABANDON');
    all.length = 0;
    new StateStore('b', { project: PROJECT, locationId: 'eur3', databaseName: '(default)', createDatabase: false, protectData: false, indexes: [], ttlPolicies: [{ collection: 'ledger', field: 'expireAt' }], indexExemptions: [], users: [{ name: 'x', member: 'serviceAccount:x@y' }] });
    await settle();
    expect(ofType(all, 'gcp:firestore/database:Database')).toEqual([]);
    expect(ofType(all, 'gcp:firestore/field:Field')[0]!.inputs.database).toBe('(default)');
    expect(ofType(all, 'gcp:projects/iAMMember:IAMMember')[0]!.inputs.condition.expression).toBe(`resource.name == "projects/${PROJECT}/databases/(default)"`);
  });

  it('rejects a single-field "composite" index', () => {
    expect(() => new StateStore('s', { project: PROJECT, locationId: 'eur3', databaseName: 'd', createDatabase: true, protectData: false, ttlPolicies: [], indexExemptions: [], users: [], indexes: [{ name: 'one', collection: 'c', queryScope: 'COLLECTION', fields: [{ fieldPath: 'a', order: 'ASCENDING' }] }] })).toThrow(/needs ≥ 2 fields; got 1/);
  });
});
