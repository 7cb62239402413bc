import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../shared/ports';

describe('FakeClock', () => {
  it('resolves sleeps only when time reaches their deadline', async () => {
    const clock = new FakeClock(1_000);
    const woke: number[] = [];
    void clock.sleep(100).then(() => woke.push(clock.now()));
    void clock.sleep(300).then(() => woke.push(clock.now()));
    clock.advance(99);
    await Promise.resolve();
    expect(woke).toEqual([]);
    clock.advance(1);
    await Promise.resolve();
    expect(woke).toEqual([1_100]);
    expect(clock.pendingSleeps).toBe(1);
    clock.advance(500);
    await Promise.resolve();
    expect(woke).toEqual([1_100, 1_600]);
  });

  it('refuses to go backwards', () => {
    expect(() => new FakeClock(0).advance(-1)).toThrow(/only moves forward/);
  });
});
