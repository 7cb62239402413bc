import { TriggerNode, type TriggerContext, type TriggerTimers } from './trigger-node';

/**
 * Fires once when the watermark passes the end of the window (`AfterWatermark.pastEndOfWindow()`),
 * then finishes: data arriving afterwards finds the window closed.
 */
export class AfterWatermarkTrigger extends TriggerNode {
  readonly canFinish = true;
  constructor() {
    super(1);
  }
  describe(): string {
    return 'AfterWatermark';
  }
  onElement(): void {}
  shouldFire(s: number[], ctx: TriggerContext): boolean {
    return !this.isFinished(s) && ctx.watermark >= ctx.windowEnd;
  }
  onFire(s: number[]): void {
    this.setFinished(s, true);
  }
  /** Still active if active in any merging window, or if the merged window's end is ahead of the watermark. */
  onMerge(target: number[], sources: readonly number[][], ctx: TriggerContext): void {
    this.setFinished(target, this.finishedInAll(sources) && ctx.watermark >= ctx.windowEnd);
  }
  nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    if (!this.isFinished(s) && ctx.watermark < ctx.windowEnd && ctx.windowEnd < out.eventTime) out.eventTime = ctx.windowEnd;
  }
}

/**
 * `AfterWatermark.pastEndOfWindow().withEarlyFirings(early).withLateFirings(late)`: before the
 * end of the window, fires whenever `early` is ready (implicitly repeated); fires the ON_TIME pane
 * when the watermark passes the end; afterwards fires whenever `late` is ready (implicitly
 * repeated). Without `late`, it finishes after the ON_TIME pane. Follows Beam's
 * `AfterWatermarkEarlyAndLate` state machine, including its merge rule.
 */
export class AfterWatermarkEarlyLateTrigger extends TriggerNode {
  readonly canFinish: boolean;
  readonly early: TriggerNode;
  readonly late: TriggerNode | null;
  constructor(early: TriggerNode, late: TriggerNode | null) {
    super(1, late === null ? [early] : [early, late]);
    this.early = early;
    this.late = late;
    this.canFinish = late === null;
  }
  describe(): string {
    return `AfterWatermark(early=${this.early.describe()}${this.late ? `, late=${this.late.describe()}` : ''})`;
  }
  onElement(s: number[], ctx: TriggerContext, count: number): void {
    const earlyDone = this.early.isFinished(s);
    if (!earlyDone || ctx.merging) this.early.onElement(s, ctx, count);
    if (this.late !== null && (earlyDone || ctx.merging)) this.late.onElement(s, ctx, count);
  }
  shouldFire(s: number[], ctx: TriggerContext): boolean {
    if (this.isFinished(s)) return false;
    if (!this.early.isFinished(s)) return this.early.shouldFire(s, ctx) || ctx.watermark >= ctx.windowEnd;
    return this.late !== null && this.late.shouldFire(s, ctx);
  }
  onFire(s: number[], ctx: TriggerContext): void {
    if (!this.early.isFinished(s)) {
      if (ctx.watermark < ctx.windowEnd) {
        // An early firing: implicitly repeated.
        this.early.onFire(s, ctx);
        this.early.clear(s);
        this.early.setFinished(s, false);
      } else {
        // The ON_TIME firing: the early phase is over for good.
        this.early.clear(s);
        this.early.setFinished(s, true);
        if (this.late === null) this.setFinished(s, true);
        else this.late.reset(s); // it may have run in parallel (merging); start the late phase clean
      }
    } else if (this.late !== null) {
      this.late.onFire(s, ctx);
      this.late.clear(s);
      this.late.setFinished(s, false);
    } else {
      this.setFinished(s, true);
    }
  }
  onMerge(target: number[], sources: readonly number[][], ctx: TriggerContext): void {
    // If the early phase is still active in any merging window, or the merged window's end is
    // still ahead of the watermark, the merged window is back in its early phase.
    if (!this.early.finishedInAll(sources) || ctx.watermark < ctx.windowEnd) {
      this.early.onMerge(target, sources, ctx);
      this.early.setFinished(target, false);
      if (this.late !== null) this.late.reset(target);
    } else {
      this.early.setFinished(target, true);
      if (this.late !== null) this.late.onMerge(target, sources, ctx);
    }
    if (this.late === null && this.early.isFinished(target)) this.setFinished(target, true);
  }
  nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    if (this.isFinished(s)) return;
    if (!this.early.isFinished(s)) {
      this.early.nextTimers(s, ctx, out);
      if (ctx.watermark < ctx.windowEnd && ctx.windowEnd < out.eventTime) out.eventTime = ctx.windowEnd;
    } else if (this.late !== null) {
      this.late.nextTimers(s, ctx, out);
    }
  }
}
