import { floorMod } from '../time';
import { TriggerNode, type TriggerContext, type TriggerTimers } from './trigger-node';

/**
 * Fires once processing time reaches `delay` after the first element of the pane
 * (Beam's `AfterProcessingTime.pastFirstElementInPane().plusDelayOf(delay)`), optionally rounded
 * up to the next multiple of `alignTo` (+ `alignOffset`), like `.alignedTo(period, offset)`.
 * Ready when `processingTime ≥ deadline`.
 *
 * State: `[finished, hasDeadline, deadline]`.
 */
export class AfterProcessingTimeTrigger extends TriggerNode {
  readonly canFinish = true;
  readonly delayMs: number;
  readonly alignToMs: number;
  readonly alignOffsetMs: number;
  constructor(delayMs: number, alignToMs = 0, alignOffsetMs = 0) {
    super(3);
    this.delayMs = delayMs;
    this.alignToMs = alignToMs;
    this.alignOffsetMs = alignOffsetMs;
  }
  describe(): string {
    const align = this.alignToMs > 0 ? `, alignTo=${this.alignToMs}ms+${this.alignOffsetMs}ms` : '';
    return `AfterProcessingTime(${this.delayMs}ms${align})`;
  }
  /** The deadline for a first element seen at `processingTime`. */
  deadlineFor(processingTime: number): number {
    const t = processingTime + this.delayMs;
    if (this.alignToMs <= 0) return t;
    const r = floorMod(t - this.alignOffsetMs, this.alignToMs);
    return r === 0 ? t : t + this.alignToMs - r;
  }
  onElement(s: number[], ctx: TriggerContext): void {
    if (this.isFinished(s) || s[this.base + 1] === 1) return;
    s[this.base + 1] = 1;
    s[this.base + 2] = this.deadlineFor(ctx.processingTime);
  }
  shouldFire(s: number[], ctx: TriggerContext): boolean {
    return !this.isFinished(s) && s[this.base + 1] === 1 && ctx.processingTime >= (s[this.base + 2] as number);
  }
  onFire(s: number[]): void {
    s[this.base + 1] = 0;
    s[this.base + 2] = 0;
    this.setFinished(s, true);
  }
  /** Finished in any merging window means finished; otherwise the earliest deadline wins. */
  onMerge(target: number[], sources: readonly number[][]): void {
    if (this.finishedInAny(sources)) {
      this.setFinished(target, true);
      return;
    }
    let deadline = Number.POSITIVE_INFINITY;
    for (const src of sources) if (src[this.base + 1] === 1) deadline = Math.min(deadline, src[this.base + 2] as number);
    if (deadline !== Number.POSITIVE_INFINITY) {
      target[this.base + 1] = 1;
      target[this.base + 2] = deadline;
    }
  }
  nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    if (this.isFinished(s) || s[this.base + 1] !== 1) return;
    const deadline = s[this.base + 2] as number;
    if (deadline > ctx.processingTime && deadline < out.processingTime) out.processingTime = deadline;
  }
}
