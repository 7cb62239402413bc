import { TriggerNode, type TriggerContext } from './trigger-node';

/**
 * A composite that fires once over its sub-triggers and then finishes (`AfterAll`, `AfterFirst`):
 * sub-triggers see elements until then, and a merge of windows of which any had finished is finished.
 */
export abstract class OnceCompositeTrigger extends TriggerNode {
  readonly canFinish = true;
  constructor(
    private readonly label: string,
    triggers: readonly TriggerNode[],
  ) {
    super(1, triggers);
  }
  describe(): string {
    return `${this.label}(${this.children.map((c) => c.describe()).join(', ')})`;
  }
  onElement(s: number[], ctx: TriggerContext, count: number): void {
    if (this.isFinished(s)) return;
    for (const c of this.children) if (!c.isFinished(s)) c.onElement(s, ctx, count);
  }
  onMerge(target: number[], sources: readonly number[][], ctx: TriggerContext): void {
    if (this.finishedInAny(sources)) {
      this.setFinished(target, true);
      return;
    }
    this.mergeChildren(target, sources, ctx);
  }
}
