/** Time as a port: stages read the clock only through this, so tests control it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolve after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A clock that moves only when told to; pending sleeps resolve as `advance` passes their deadline. */
export class FakeClock implements Clock {
  private current: number;
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(startMs: number) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ until: this.current + Math.max(0, ms), resolve });
      this.wake();
    });
  }

  /** Move time forward by `ms` and wake every sleeper whose deadline has come. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`a clock only moves forward; got advance(${ms})`);
    this.current += ms;
    this.wake();
  }

  /** Number of sleeps not yet resolved. */
  get pendingSleeps(): number {
    return this.sleepers.length;
  }

  private wake(): void {
    const due = this.sleepers.filter((s) => s.until <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const s of due) s.resolve();
  }
}
