import { beforeEach, describe, expect, it } from 'vitest';
import { lifecycleRules, Storage } from '../../../infra/components/storage';
import { ofType, PROJECT, recordResources, settle, type Registered } from '../mocks';

describe('lifecycleRules', () => {
  it('moves archive objects Nearline → Coldline → delete at the given ages', () => {
    expect(lifecycleRules('archive', { nearlineAfterDays: 30, coldlineAfterDays: 90, deleteAfterDays: 400 })).toEqual([
      { action: { type: 'SetStorageClass', storageClass: 'NEARLINE' }, condition: { age: 30, matchesStorageClasses: ['STANDARD'] } },
      { action: { type: 'SetStorageClass', storageClass: 'COLDLINE' }, condition: { age: 90, matchesStorageClasses: ['STANDARD', 'NEARLINE'] } },
      { action: { type: 'Delete' }, condition: { age: 400 } },
    ]);
  });
  it('allows any subset of steps', () => {
    expect(lifecycleRules('x', {})).toEqual([]);
    expect(lifecycleRules('x', { nearlineAfterDays: 30, deleteAfterDays: 180 }).map((r) => r.action)).toEqual([
      { type: 'SetStorageClass', storageClass: 'NEARLINE' },
      { type: 'Delete' },
    ]);
  });
  it.each([
    [{ nearlineAfterDays: 90, coldlineAfterDays: 30 }, /coldlineAfterDays must be a whole number of days after the previous step \(90\); got 30/],
    [{ coldlineAfterDays: 90, deleteAfterDays: 90 }, /deleteAfterDays/],
    [{ nearlineAfterDays: 0 }, /nearlineAfterDays/],
    [{ deleteAfterDays: 1.5 }, /deleteAfterDays/],
  ])('rejects out-of-order or fractional ages %j', (l, message) => {
    expect(() => lifecycleRules('archive', l)).toThrow(message);
  });
});

describe('Storage', () => {
  let all: Registered[];
  beforeEach(async () => {
    all = await recordResources();
  });

  it('enforces uniform access and public access prevention, with grants and a finalize notification', async () => {
    new Storage('data', {
      project: PROJECT, location: 'EU', protectData: true, labels: {},
      buckets: [
        { key: 'archive', bucketName: 'a-archive', lifecycle: { nearlineAfterDays: 30 }, objectCreators: [{ name: 'ingest', member: 'serviceAccount:i@x' }], objectViewers: [] },
        { key: 'landing', bucketName: 'a-landing', lifecycle: {}, finalizeNotificationTopic: 'projects/p/topics/files', objectCreators: [], objectViewers: [{ name: 'ingest', member: 'serviceAccount:i@x' }] },
      ],
    });
    await settle();
    const buckets = ofType(all, 'gcp:storage/bucket:Bucket');
    expect(buckets).toHaveLength(2);
    for (const b of buckets) expect(b.inputs).toMatchObject({ uniformBucketLevelAccess: true, publicAccessPrevention: 'enforced', forceDestroy: false, location: 'EU' });
    expect(ofType(all, 'gcp:storage/bucketIAMMember:BucketIAMMember').map((g) => `${g.inputs.role} ${g.inputs.bucket}`).sort()).toEqual([
      'roles/storage.objectCreator a-archive',
      'roles/storage.objectViewer a-landing',
    ]);
    const notes = ofType(all, 'gcp:storage/notification:Notification');
    expect(notes.map((n) => n.inputs)).toEqual([expect.objectContaining({ bucket: 'a-landing', topic: 'projects/p/topics/files', eventTypes: ['OBJECT_FINALIZE'] })]);
  });

  it('rejects a duplicate key before registering anything', () => {
    const b = { key: 'x', bucketName: 'x', lifecycle: {}, objectCreators: [], objectViewers: [] };
    expect(() => new Storage('dup', { project: PROJECT, location: 'EU', protectData: false, labels: {}, buckets: [b, { ...b, bucketName: 'y' }] })).toThrow(/listed twice/);
  });
});
