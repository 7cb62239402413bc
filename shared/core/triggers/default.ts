import { TriggerNode, type TriggerContext, type TriggerTimers } from './trigger-node';

/**
 * Beam's default trigger, `Repeatedly.forever(AfterWatermark.pastEndOfWindow())`: fires the
 * ON_TIME pane when the watermark passes the end of the window, then fires again whenever late
 * (but not droppable) data arrives. Never finishes; the window lives until garbage collection.
 */
export class DefaultTrigger extends TriggerNode {
  readonly canFinish = false;
  constructor() {
    super(1);
  }
  describe(): string {
    return 'Default';
  }
  onElement(): void {}
  shouldFire(_s: number[], ctx: TriggerContext): boolean {
    return ctx.watermark >= ctx.windowEnd;
  }
  onFire(): void {}
  onMerge(): void {}
  nextTimers(_s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    if (ctx.watermark < ctx.windowEnd && ctx.windowEnd < out.eventTime) out.eventTime = ctx.windowEnd;
  }
}
