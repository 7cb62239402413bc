import { TriggerNode, type TriggerContext, type TriggerTimers } from './trigger-node';

/** Never fires by itself: the window emits only its final pane when it is garbage-collected. */
export class NeverTrigger extends TriggerNode {
  readonly canFinish = true;
  constructor() {
    super(1);
  }
  describe(): string {
    return 'Never';
  }
  onElement(): void {}
  shouldFire(): boolean {
    return false;
  }
  onFire(s: number[]): void {
    this.setFinished(s, true);
  }
  onMerge(target: number[], sources: readonly number[][], _ctx: TriggerContext): void {
    if (this.finishedInAny(sources)) this.setFinished(target, true);
  }
  nextTimers(_s: number[], _ctx: TriggerContext, _out: TriggerTimers): void {}
}
