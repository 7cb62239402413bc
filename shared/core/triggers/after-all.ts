import { OnceCompositeTrigger } from './once-composite';
import type { TriggerContext, TriggerNode, TriggerTimers } from './trigger-node';

/** Fires once every sub-trigger has been ready (finished or ready now), then finishes. */
export class AfterAllTrigger extends OnceCompositeTrigger {
  constructor(triggers: readonly TriggerNode[]) {
    super('AfterAll', triggers);
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
  /** Conservative: wakes at the earliest sub-trigger timer (a wake-up that finds it not ready is harmless). */
  nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    if (this.isFinished(s)) return;
    for (const c of this.children) if (!c.isFinished(s)) c.nextTimers(s, ctx, out);
  }
}
