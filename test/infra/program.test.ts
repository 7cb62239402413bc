import { describe, expect, it } from 'vitest';
import { iotSensors } from '../../pipelines';
import { topologyFor, type Topology } from '../../shared/topology';
import type { StageBundle } from '../../infra/bundle';
import { checkTopology, topicCreationOrder } from '../../infra/program';

const fresh = (): Topology => topologyFor(iotSensors, { project: 'sluice-test', region: 'europe-west1', env: 'cloud' });
const bundlesFor = (t: Topology): StageBundle[] => Object.keys(t.functions).map((name) => ({ name, dir: '/none', hash: 'h', dependencies: {} }));

describe('checkTopology', () => {
  it('accepts the example topology', () => {
    const t = fresh();
    expect(() => checkTopology(t, bundlesFor(t))).not.toThrow();
  });

  it.each<[string, (t: Topology) => void, RegExp]>([
    ['the local topology', (t) => { (t as { env: string }).env = 'local'; }, /deploys the cloud topology/],
    ['a subscription without dead-letter policy', (t) => { delete t.subscriptions[0]!.deadLetterPolicy; }, /has no dead-letter policy/],
    ['a subscription without retry policy', (t) => { delete t.subscriptions[0]!.retryPolicy; }, /has no retry policy/],
    ['dead-lettering to its own topic', (t) => { const s = t.subscriptions[0]!; s.deadLetterPolicy = { ...s.deadLetterPolicy!, topic: s.topic }; }, /dead-letters to its own topic/],
    ['an ack deadline shorter than the function timeout', (t) => { t.functions.ingest.timeoutSeconds = 400; }, /must be ≥ ingest's timeout \(400s\)/],
    ['a dead-letter topic nobody reads', (t) => { t.subscriptions = t.subscriptions.filter((s) => !s.terminal); }, /"parking" has no subscription/],
    ['a push terminal subscription', (t) => { const s = t.subscriptions.find((x) => x.terminal)!; s.delivery = { kind: 'push', stage: 'ingest', path: '/x', oidcServiceAccountId: 'x' }; }, /must be a pull subscription/],
    ['a write to an unknown table', (t) => { t.functions.transform.access.writesTables.push('nope'); }, /writes to "nope"/],
  ])('rejects %s', (_, mutate, message) => {
    const t = fresh();
    const b = bundlesFor(t);
    mutate(t);
    expect(() => checkTopology(t, b)).toThrow(message);
  });

  it('rejects a stage without a bundle, naming its source', () => {
    const t = fresh();
    expect(() => checkTopology(t, bundlesFor(t).filter((b) => b.name !== 'aggregator'))).toThrow(/stage aggregator has no bundle \(expected one built from functions\/window-aggregator\/index.ts\)/);
  });
});

describe('topicCreationOrder', () => {
  it('creates each dead-letter topic before the topics whose subscriptions point at it', () => {
    const t = fresh();
    const order = topicCreationOrder(t);
    expect(new Set(order)).toEqual(new Set(Object.keys(t.topics)));
    for (const s of t.subscriptions) {
      if (s.deadLetterPolicy) expect(order.indexOf(s.deadLetterPolicy.topic), s.name).toBeLessThan(order.indexOf(s.topic));
    }
  });
  it('reports a dead-letter cycle', () => {
    const t = fresh();
    const parkingSub = t.subscriptions.find((s) => s.topic === 'parking')!;
    parkingSub.deadLetterPolicy = { topic: 'deadLetter', topicName: t.topics.deadLetter.name, topicPath: t.topics.deadLetter.path, maxDeliveryAttempts: 5 };
    expect(() => topicCreationOrder(t)).toThrow(/dead-letter cycle/);
  });
});
