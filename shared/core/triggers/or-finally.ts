import { TriggerNode, type TriggerContext, type TriggerTimers } from './trigger-node';

/** Fires whenever `main` fires, until `until` fires; then fires one last time and finishes. */
export class OrFinallyTrigger extends TriggerNode {
  readonly canFinish = true;
  readonly main: TriggerNode;
  readonly until: TriggerNode;
  constructor(main: TriggerNode, until: TriggerNode) {
    super(1, [main, until]);
    this.main = main;
    this.until = until;
  }
  describe(): string {
    return `${this.main.describe()}.orFinally(${this.until.describe()})`;
  }
  onElement(s: number[], ctx: TriggerContext, count: number): void {
    if (this.isFinished(s)) return;
    if (!this.main.isFinished(s)) this.main.onElement(s, ctx, count);
    if (!this.until.isFinished(s)) this.until.onElement(s, ctx, count);
  }
  shouldFire(s: number[], ctx: TriggerContext): boolean {
    if (this.isFinished(s)) return false;
    return this.main.shouldFire(s, ctx) || this.until.shouldFire(s, ctx);
  }
  onFire(s: number[], ctx: TriggerContext): void {
    if (this.until.shouldFire(s, ctx)) {
      this.until.onFire(s, ctx);
      this.main.clear(s);
    } else {
      this.main.onFire(s, ctx);
    }
    this.setFinished(s, this.main.isFinished(s) || this.until.isFinished(s));
  }
  onMerge(target: number[], sources: readonly number[][], ctx: TriggerContext): void {
    this.mergeChildren(target, sources, ctx);
    this.setFinished(target, this.main.isFinished(target) || this.until.isFinished(target));
  }
  nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    if (this.isFinished(s)) return;
    this.main.nextTimers(s, ctx, out);
    this.until.nextTimers(s, ctx, out);
  }
}
