import { TriggerNode, type TriggerContext, type TriggerTimers } from './trigger-node';

/** Fires once every sub-trigger has been ready (finished or ready now), then finishes. */
export class AfterAllTrigger extends TriggerNode {
  readonly canFinish = true;
  constructor(triggers: readonly TriggerNode[]) {
    super(1, triggers);
  }
  describe(): string {
    return `AfterAll(${this.children.map((c) => c.describe()).join(', ')})`;
  }
  onElement(s: number[], ctx: TriggerContext, count: number): void {
    if (this.isFinished(s)) return;
    for (const c of this.children) if (!c.isFinished(s)) c.onElement(s, ctx, count);
  }
  shouldFire(s: number[], ctx: TriggerContext): boolean {
    if (this.isFinished(s)) return false;
    for (const c of this.children) if (!c.isFinished(s) && !c.shouldFire(s, ctx)) return false;
    return true;
  }
  onFire(s: number[], ctx: TriggerContext): void {
    for (const c of this.children) if (!c.isFinished(s)) c.onFire(s, ctx);
    this.setFinished(s, true);
  }
  onMerge(target: number[], sources: readonly number[][], ctx: TriggerContext): void {
    if (this.finishedInAny(sources)) {
      this.setFinished(target, true);
      return;
    }
    this.mergeChildren(target, sources, ctx);
  }
  /** Conservative: wakes at the earliest sub-trigger timer (a wake-up that finds it not ready is harmless). */
  nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    if (this.isFinished(s)) return;
    for (const c of this.children) if (!c.isFinished(s)) c.nextTimers(s, ctx, out);
  }
}
