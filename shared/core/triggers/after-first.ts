import { TriggerNode, type TriggerContext, type TriggerTimers } from './trigger-node';

/** Fires once, as soon as any sub-trigger is ready (Beam's `AfterFirst`; `afterAny` in specs is an alias). */
export class AfterFirstTrigger extends TriggerNode {
  readonly canFinish = true;
  constructor(triggers: readonly TriggerNode[]) {
    super(1, triggers);
  }
  describe(): string {
    return `AfterFirst(${this.children.map((c) => c.describe()).join(', ')})`;
  }
  onElement(s: number[], ctx: TriggerContext, count: number): void {
    if (this.isFinished(s)) return;
    for (const c of this.children) if (!c.isFinished(s)) c.onElement(s, ctx, count);
  }
  shouldFire(s: number[], ctx: TriggerContext): boolean {
    if (this.isFinished(s)) return false;
    for (const c of this.children) if (c.shouldFire(s, ctx)) return true;
    return false;
  }
  onFire(s: number[], ctx: TriggerContext): void {
    for (const c of this.children) {
      // A sub-trigger that is not ready still loses the pane it was tracking.
      if (c.shouldFire(s, ctx)) c.onFire(s, ctx);
      else c.clear(s);
    }
    this.setFinished(s, true);
  }
  onMerge(target: number[], sources: readonly number[][], ctx: TriggerContext): void {
    if (this.finishedInAny(sources)) {
      this.setFinished(target, true);
      return;
    }
    this.mergeChildren(target, sources, ctx);
  }
  nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    if (this.isFinished(s)) return;
    for (const c of this.children) c.nextTimers(s, ctx, out);
  }
}
