import type { Clock } from '../ports/clock';

export interface GroupCommitOptions<T> {
  /** How long the first item of a group waits for others to join. Bounded: every delivery is held at most this long plus the flush. */
  maxDelayMs: number;
  /** A group flushes as soon as it holds this many items. */
  maxItems: number;
  /**
   * A group flushes as soon as this many callers wait on it: set it to the deliveries an instance
   * can have in flight (see `deliveriesInFlight`), since once all of them have joined, no other can
   * until this group is acknowledged — waiting longer only adds latency.
   */
  maxWaiters?: number;
  /** A group flushes as soon as its items' weights sum to this (e.g. encoded bytes under the 512 KB event limit). */
  maxWeight?: number;
  /** Weight of one item (default 1). An item heavier than `maxWeight` travels in a group of its own. */
  weigh?: (item: T) => number;
  /** Makes one group durable (publish, write). Its promise settling settles every item of the group. */
  flush: (items: T[]) => Promise<void>;
  clock: Clock;
}

/**
 * Group commit: concurrent callers each `add` their items and wait; items are flushed together, and
 * each caller's promise resolves only once the group it joined is durable (or rejects if that flush
 * failed — the caller then nacks, and Pub/Sub redelivers). Nothing is acknowledged before its effect
 * is durable, and nothing waits longer than `maxDelayMs` plus one flush.
 */
export class GroupCommitter<T> {
  private items: T[] = [];
  private weight = 0;
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private timerArmed = false;
  private generation = 0;
  private readonly weigh: (item: T) => number;

  constructor(private readonly options: GroupCommitOptions<T>) {
    if (!(options.maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be ≥ 0; got ${options.maxDelayMs}`);
    if (!(options.maxItems >= 1)) throw new RangeError(`maxItems must be ≥ 1; got ${options.maxItems}`);
    if (options.maxWaiters !== undefined && !(options.maxWaiters >= 1)) throw new RangeError(`maxWaiters must be ≥ 1; got ${options.maxWaiters}`);
    this.weigh = options.weigh ?? (() => 1);
  }

  /** Add one caller's items; resolves when all of them are durable. */
  add(items: T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const promises: Promise<void>[] = [];
    let current: Promise<void> | undefined;
    for (const item of items) {
      const w = this.weigh(item);
      if (this.items.length > 0 && this.options.maxWeight !== undefined && this.weight + w > this.options.maxWeight) {
        this.flushNow();
        current = undefined;
      }
      current ??= this.join();
      this.items.push(item);
      this.weight += w;
      if (this.items.length >= this.options.maxItems || (this.options.maxWeight !== undefined && this.weight >= this.options.maxWeight)) {
        promises.push(current);
        this.flushNow();
        current = undefined;
      }
    }
    if (current) {
      promises.push(current);
      if (this.options.maxWaiters !== undefined && this.waiters.length >= this.options.maxWaiters) this.flushNow();
      else this.armTimer();
    }
    return Promise.all(promises).then(() => undefined);
  }

  /** Flush whatever is pending now (e.g. on shutdown). */
  async drain(): Promise<void> {
    if (this.items.length === 0) return;
    const done = this.join();
    this.flushNow();
    await done;
  }

  /** Items waiting for their group to flush. */
  get pending(): number {
    return this.items.length;
  }

  private join(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private armTimer(): void {
    if (this.timerArmed) return;
    this.timerArmed = true;
    const generation = this.generation;
    void this.options.clock.sleep(this.options.maxDelayMs).then(() => {
      if (this.generation === generation) this.flushNow();
    });
  }

  private flushNow(): void {
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    this.weight = 0;
    this.timerArmed = false;
    this.generation++;
    if (items.length === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    this.options.flush(items).then(
      () => waiters.forEach((w) => w.resolve()),
      (err: unknown) => waiters.forEach((w) => w.reject(err)),
    );
  }
}
