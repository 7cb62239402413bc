import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../shared/ports';
import { GroupCommitter } from '../../../shared/stages/group-commit';

function setup(opts: { maxDelayMs?: number; maxItems?: number; maxWeight?: number; maxWaiters?: number; failFlushes?: number } = {}) {
  const clock = new FakeClock(0);
  const flushed: number[][] = [];
  let failures = opts.failFlushes ?? 0;
  const gc = new GroupCommitter<number>({
    maxDelayMs: opts.maxDelayMs ?? 100,
    maxItems: opts.maxItems ?? 10,
    ...(opts.maxWeight !== undefined ? { maxWeight: opts.maxWeight, weigh: (n: number) => n } : {}),
    ...(opts.maxWaiters !== undefined ? { maxWaiters: opts.maxWaiters } : {}),
    clock,
    flush: async (items) => {
      if (failures-- > 0) throw new Error('flush failed');
      flushed.push(items);
    },
  });
  return { clock, flushed, gc };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('GroupCommitter', () => {
  it('holds concurrent callers until the delay, then flushes them as one group and resolves each', async () => {
    const { clock, flushed, gc } = setup();
    const done: string[] = [];
    const a = gc.add([1, 2]).then(() => done.push('a'));
    const b = gc.add([3]).then(() => done.push('b'));
    await settle();
    expect(flushed).toEqual([]);
    expect(done).toEqual([]);
    clock.advance(100);
    await Promise.all([a, b]);
    expect(flushed).toEqual([[1, 2, 3]]);
    expect(done.sort()).toEqual(['a', 'b']);
  });

  it('flushes at once when a group is full, without waiting for the delay', async () => {
    const { flushed, gc } = setup({ maxItems: 3 });
    await Promise.all([gc.add([1, 2]), gc.add([3])]);
    expect(flushed).toEqual([[1, 2, 3]]);
  });

  it('flushes at once when every delivery in flight has joined (maxWaiters), and only then', async () => {
    const { clock, flushed, gc } = setup({ maxWaiters: 2 });
    const a = gc.add([1, 2]);
    await settle();
    expect(flushed).toEqual([]); // one caller of two: waits for the other or the delay
    await Promise.all([a, gc.add([3])]);
    expect(flushed).toEqual([[1, 2, 3]]);
    // A lone caller still flushes after the delay.
    const c = gc.add([4]);
    await settle();
    expect(flushed).toHaveLength(1);
    clock.advance(100);
    await c;
    expect(flushed).toEqual([[1, 2, 3], [4]]);
    expect(() => setup({ maxWaiters: 0 })).toThrow(/maxWaiters must be ≥ 1/);
  });

  it('splits one caller across groups by weight and resolves only when every group is durable', async () => {
    const { clock, flushed, gc } = setup({ maxWeight: 10 });
    let resolved = false;
    const p = gc.add([6, 3, 4, 9]).then(() => (resolved = true));
    await settle();
    expect(flushed).toEqual([[6, 3], [4]]);
    expect(resolved).toBe(false);
    clock.advance(100);
    await p;
    expect(flushed).toEqual([[6, 3], [4], [9]]);
  });

  it('rejects every caller of a group whose flush failed, so none of them acks', async () => {
    const { clock, gc } = setup({ failFlushes: 1 });
    const a = gc.add([1]);
    const b = gc.add([2]);
    clock.advance(100);
    await expect(a).rejects.toThrow('flush failed');
    await expect(b).rejects.toThrow('flush failed');
    const c = gc.add([3]);
    clock.advance(100);
    await expect(c).resolves.toBeUndefined();
  });

  it('drain flushes what is pending now', async () => {
    const { flushed, gc } = setup();
    const p = gc.add([7]);
    expect(gc.pending).toBe(1);
    await gc.drain();
    await p;
    expect(flushed).toEqual([[7]]);
    expect(gc.pending).toBe(0);
  });

  it('does not let a stale timer flush a later group early', async () => {
    const { clock, flushed, gc } = setup({ maxItems: 2 });
    const first = gc.add([1]);
    clock.advance(50);
    await gc.add([2]).then(() => first); // group full → flushed; the first timer is now stale
    const later = gc.add([3]);
    clock.advance(50); // the stale timer's deadline passes
    await settle();
    expect(flushed).toEqual([[1, 2]]);
    clock.advance(50);
    await later;
    expect(flushed).toEqual([[1, 2], [3]]);
  });
});
