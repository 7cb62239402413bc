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
      project: PROJECT, locationId: 'eur3', databaseName: 'sluice-x-state', protectData: false,
      indexes: [{ name: 'due', collection: 'partitions', queryScope: 'COLLECTION', fields: [{ fieldPath: 'aggregation', order: 'ASCENDING' }, { fieldPath: 'nextTimerMs', order: 'ASCENDING' }] }],
      ttlPolicies: [{ collection: 'ledger', field: 'expireAt' }],
      users: [{ name: 'agg', member: 'serviceAccount:a@x' }],
    });
    await settle();
    expect(ofType(all, 'gcp:firestore/database:Database')[0]!.inputs).toMatchObject({ name: 'sluice-x-state', locationId: 'eur3', type: 'FIRESTORE_NATIVE', deletionPolicy: 'DELETE', deleteProtectionState: 'DELETE_PROTECTION_DISABLED' });
    expect(ofType(all, 'gcp:firestore/index:Index')[0]!.inputs).toMatchObject({ database: 'sluice-x-state', collection: 'partitions', fields: [{ fieldPath: 'aggregation', order: 'ASCENDING' }, { fieldPath: 'nextTimerMs', order: 'ASCENDING' }] });
    expect(ofType(all, 'gcp:firestore/field:Field')[0]!.inputs).toMatchObject({ database: 'sluice-x-state', collection: 'ledger', field: 'expireAt', ttlConfig: {} });
    const [iam] = ofType(all, 'gcp:projects/iAMMember:IAMMember');
    expect(iam!.inputs).toMatchObject({ role: 'roles/datastore.user', member: 'serviceAccount:a@x', condition: { expression: `resource.name == "projects/${PROJECT}/databases/sluice-x-state"` } });
  });

  it('rejects a single-field "composite" index', () => {
    expect(() => new StateStore('s', { project: PROJECT, locationId: 'eur3', databaseName: 'd', protectData: false, ttlPolicies: [], users: [], indexes: [{ name: 'one', collection: 'c', queryScope: 'COLLECTION', fields: [{ fieldPath: 'a', order: 'ASCENDING' }] }] })).toThrow(/needs ≥ 2 fields; got 1/);
  });
});
