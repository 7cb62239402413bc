import { TriggerNode, type TriggerContext, type TriggerTimers } from './trigger-node';

/** Fires every time `trigger` is ready, resetting it after each firing. Never finishes. */
export class RepeatedlyTrigger extends TriggerNode {
  readonly canFinish = false;
  readonly trigger: TriggerNode;
  constructor(trigger: TriggerNode) {
    super(1, [trigger]);
    this.trigger = trigger;
  }
  describe(): string {
    return `Repeatedly(${this.trigger.describe()})`;
  }
  onElement(s: number[], ctx: TriggerContext, count: number): void {
    this.trigger.onElement(s, ctx, count);
  }
  shouldFire(s: number[], ctx: TriggerContext): boolean {
    return this.trigger.shouldFire(s, ctx);
  }
  onFire(s: number[], ctx: TriggerContext): void {
    this.trigger.onFire(s, ctx);
    // Re-arm the whole subtree, as Beam's RepeatedlyStateMachine does with `resetTree()`: the
    // finished bits of a composite's sub-triggers too, or `afterAny(afterCount(2), …)` would fire
    // once and never again (its afterCount staying finished).
    if (this.trigger.isFinished(s)) this.trigger.reset(s);
  }
  onMerge(target: number[], sources: readonly number[][], ctx: TriggerContext): void {
    this.mergeChildren(target, sources, ctx);
  }
  nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    this.trigger.nextTimers(s, ctx, out);
  }
}
