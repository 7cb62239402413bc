import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevStack, stageEnv, type DevStack } from '../../../emulators/dev';
import { topologyFor } from '../../../shared/topology';
import { getPipeline } from '../../../pipelines';
import { stackClients, stackEnv, waitFor } from '../helpers';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const prefix = `dv${Date.now().toString(36).slice(-6)}`;
const lines: Array<{ source: string; line: string }> = [];
const json = (source: string, message: string): Array<Record<string, unknown>> =>
  lines
    .filter((l) => l.source === source && l.line.startsWith('{'))
    .map((l) => JSON.parse(l.line) as Record<string, unknown>)
    .filter((e) => e.message === message);

let stack: DevStack;

beforeAll(async () => {
  process.env.SLUICE_TEST_LEAK = 'from the parent shell';
  stack = await startDevStack({
    pipeline: 'iot-sensors',
    prefix,
    tickIntervalMs: 0,
    functionsRoot: fixtures,
    onLine: (source, line) => lines.push({ source, line }),
  });
});
afterAll(async () => {
  delete process.env.SLUICE_TEST_LEAK;
  await stack?.stop();
});

describe('startDevStack on the emulators (fixture stages)', () => {
  it('serves the stages whose entry point exists (the aggregator from functions/window-aggregator), names the missing ones, survives a broken one', () => {
    expect(stack.startedStack).toBe(false);
    expect(stack.served.map((s) => [s.stage, s.module])).toEqual([
      ['ingest', 'functions/ingest/index.ts'],
      ['aggregator', 'functions/window-aggregator/index.ts'],
    ]);
    expect(stack.missing).toEqual(['transform']);
    expect(stack.failed).toMatchObject([{ stage: 'deadletter', module: 'functions/deadletter/index.ts' }]);
    expect(stack.failed[0]!.error).toMatch(/^stage deadletter exited before serving \(code 1\): .*fixture deadletter refuses to start/);
    expect(lines.some((l) => l.source === 'deadletter' && l.line.includes('fixture deadletter refuses to start'))).toBe(true);
    expect(stack.bootstrap.unservedStages.sort()).toEqual(['deadletter', 'transform']);
  });

  it("gives each stage the topology's env for it, SLUICE_ENV=local, and nothing else from the parent", async () => {
    const started = await waitFor('both fixtures started', () => {
      const s = [...json('ingest', 'fixture started'), ...json('aggregator', 'fixture started')];
      return s.length === 2 ? s : undefined;
    });
    for (const s of started) {
      expect(s.sluiceEnv).toBe('local');
      expect(s.eventsTopic).toBe(stack.topology.topics.events.name);
      expect(s.leaked).toBeNull();
    }
    expect(started.map((s) => s.sluiceStage).sort()).toEqual(['aggregator', 'ingest']);
  });

  it('pushes the raw topic to ingest and the tick to the aggregator', async () => {
    const payload = JSON.stringify({ hello: prefix });
    await stack.clients.pubsub.topic(stack.topology.topics.raw.name).publishMessage({ data: Buffer.from(payload) });
    const got = await waitFor('ingest got the raw message', () => json('ingest', 'received').find((e) => e.data === payload));
    expect(got.source).toBe(`//pubsub.googleapis.com/${stack.topology.topics.raw.path}`);

    await stack.tick();
    const tick = await waitFor('aggregator got the tick', () => json('aggregator', 'received')[0]);
    expect(tick.source).toBe(`//pubsub.googleapis.com/${stack.topology.topics.tick.path}`);
    expect(JSON.parse(String(tick.data))).toEqual({ v: 1, kind: 'tick', pipeline: 'iot-sensors' });
  });

  it('parks the subscriptions of a stage that dies as pull (so deliveries wait instead of dead-lettering)', async () => {
    const raw = stack.topology.subscriptions.find((s) => s.topic === 'raw')!;
    const clients = stackClients();
    const [before] = await clients.pubsub.subscription(raw.name).getMetadata();
    expect(before.pushConfig?.pushEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ingest\//);
    await stack.clients.pubsub.topic(stack.topology.topics.raw.name).publishMessage({ data: Buffer.from('crash') });
    await waitFor('the dev stack noticed ingest exit', () => lines.find((l) => l.source === 'dev' && l.line.startsWith('stage ingest exited (code 3)')));
    await waitFor('raw subscription back to pull', async () => {
      const [m] = await clients.pubsub.subscription(raw.name).getMetadata();
      return m.pushConfig?.pushEndpoint ? undefined : true;
    });
    const [tick] = await clients.pubsub.subscription(stack.topology.subscriptions.find((s) => s.topic === 'tick')!.name).getMetadata();
    expect(tick.pushConfig?.pushEndpoint).toMatch(/\/aggregator\//);
  });

  it('stops its stage processes and parks the push subscriptions as pull, leaving the reused emulators up', async () => {
    const pids = stack.served.map((s) => s.pid);
    await stack.stop();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(lines.filter((l) => l.source === 'dev' && l.line.includes('exited'))).toHaveLength(1);
    const clients = stackClients();
    for (const s of stack.topology.subscriptions) {
      const [m] = await clients.pubsub.subscription(s.name).getMetadata();
      expect(m.pushConfig?.pushEndpoint ?? '', s.name).toBe('');
    }
    const [topics] = await clients.pubsub.getTopics();
    expect(topics.length).toBeGreaterThan(0);
  });
});

describe('stageEnv', () => {
  it('is the topology env of the stage plus the emulator endpoints, prefix and local secrets', () => {
    const t = topologyFor(getPipeline('clickstream'), { project: stackEnv().SLUICE_PROJECT, region: 'europe-west1', env: 'local', prefix: 'px' });
    const env = stageEnv(t, 'transform', stackEnv(), (id) => `secret-of-${id}`, { PATH: '/bin', SECRET_TOKEN: 'no' });
    expect(env).toMatchObject(t.functions.transform.env);
    expect(env.SLUICE_PREFIX).toBe('px');
    expect(env.PUBSUB_EMULATOR_HOST).toBe(stackEnv().PUBSUB_EMULATOR_HOST);
    expect(env.PATH).toBe('/bin');
    expect(env.SLUICE_ENFORCE_CLOUD_LIMITS).toBe('1');
    expect(env.SECRET_TOKEN).toBeUndefined();
    for (const s of t.functions.transform.secretEnv) expect(env[s.env]).toBe(`secret-of-${s.secret}`);
    expect(t.functions.transform.secretEnv.length).toBeGreaterThan(0);
  });
});
