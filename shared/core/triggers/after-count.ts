import { TriggerNode, type TriggerContext, type TriggerTimers } from './trigger-node';

/** Fires once at least `count` elements have arrived in the pane (Beam's `AfterPane.elementCountAtLeast`). */
export class AfterCountTrigger extends TriggerNode {
  readonly canFinish = true;
  readonly count: number;
  constructor(count: number) {
    super(2);
    this.count = count;
  }
  describe(): string {
    return `AfterCount(${this.count})`;
  }
  onElement(s: number[], _ctx: TriggerContext, count: number): void {
    if (!this.isFinished(s)) s[this.base + 1] = (s[this.base + 1] as number) + count;
  }
  shouldFire(s: number[]): boolean {
    return !this.isFinished(s) && (s[this.base + 1] as number) >= this.count;
  }
  onFire(s: number[]): void {
    s[this.base + 1] = 0;
    this.setFinished(s, true);
  }
  /** Finished in any merging window means finished; otherwise the counts add up. */
  onMerge(target: number[], sources: readonly number[][]): void {
    if (this.finishedInAny(sources)) {
      this.setFinished(target, true);
      target[this.base + 1] = 0;
      return;
    }
    let sum = 0;
    for (const src of sources) sum += src[this.base + 1] as number;
    target[this.base + 1] = sum;
  }
  nextTimers(_s: number[], _ctx: TriggerContext, _out: TriggerTimers): void {}
}
