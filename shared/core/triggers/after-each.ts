import { TriggerNode, type TriggerContext, type TriggerTimers } from './trigger-node';

/**
 * Runs its sub-triggers one after another: fires when the current one fires, and moves on when
 * the current one finishes. Finishes when the last one has.
 */
export class AfterEachTrigger extends TriggerNode {
  readonly canFinish: boolean;
  constructor(triggers: readonly TriggerNode[]) {
    super(1, triggers);
    this.canFinish = triggers.every((t) => t.canFinish);
  }
  describe(): string {
    return `AfterEach(${this.children.map((c) => c.describe()).join(', ')})`;
  }
  private current(s: readonly number[]): TriggerNode | undefined {
    for (const c of this.children) if (!c.isFinished(s)) return c;
    return undefined;
  }
  onElement(s: number[], ctx: TriggerContext, count: number): void {
    if (ctx.merging) {
      for (const c of this.children) if (!c.isFinished(s)) c.onElement(s, ctx, count);
    } else {
      this.current(s)?.onElement(s, ctx, count);
    }
  }
  shouldFire(s: number[], ctx: TriggerContext): boolean {
    const c = this.current(s);
    return c !== undefined && c.shouldFire(s, ctx);
  }
  onFire(s: number[], ctx: TriggerContext): void {
    this.current(s)?.onFire(s, ctx);
    if (ctx.merging) for (const c of this.children) if (!c.isFinished(s)) c.clear(s);
    this.setFinished(s, this.current(s) === undefined);
  }
  onMerge(target: number[], sources: readonly number[][], ctx: TriggerContext): void {
    this.mergeChildren(target, sources, ctx);
    this.setFinished(target, this.current(target) === undefined);
  }
  nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    this.current(s)?.nextTimers(s, ctx, out);
  }
}
