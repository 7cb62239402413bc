import { OnceCompositeTrigger } from './once-composite';
import type { TriggerContext, TriggerNode, TriggerTimers } from './trigger-node';

/** Fires once, as soon as any sub-trigger is ready (Beam's `AfterFirst`; `afterAny` in specs is an alias). */
export class AfterFirstTrigger extends OnceCompositeTrigger {
  constructor(triggers: readonly TriggerNode[]) {
    super('AfterFirst', triggers);
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
  nextTimers(s: number[], ctx: TriggerContext, out: TriggerTimers): void {
    if (this.isFinished(s)) return;
    for (const c of this.children) c.nextTimers(s, ctx, out);
  }
}
