/**
 * The local dev stack behind `npm run dev`: starts (or reuses) the emulators, serves every stage
 * whose entry point exists — each in its own child process with the environment the topology
 * gives it in the cloud plus the emulator endpoints — bootstraps the topology with push
 * subscriptions to those stages, and publishes the scheduler's tick on a timer (and, when asked,
 * runs Firestore's TTL on one: `ttlSweepIntervalMs`).
 *
 * `stop()` undoes only what this call started: the timers, the stage processes (by pid), the
 * emulators if they were started here (unless `keepStack`). When the emulators stay up, the push
 * subscriptions are switched back to pull first, so messages published while no stage listens
 * wait instead of exhausting their delivery attempts against a closed port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { getPipeline } from '../pipelines';
import { createClients, loadClientsConfig, type Clients } from '../shared/adapters/clients';
import { type FaultSettings, formatFaultSettings, INJECT_FAULTS_VARIABLE } from '../shared/stages/injected-faults';
import { topologyFor, type FunctionStage, type Topology } from '../shared/topology';
import { createEmulatorAdmin } from './admin';
import { bootstrapTopology, type BootstrapSummary } from './bootstrap';
import { REPO_ROOT, stackEnvRecord, type StackEnv } from './env';
import { READY_MARKER } from './stage-host';
import { ensureStack, freePorts, stopStack, tcpOpen } from './stack';
import { startTtlSweeper } from './ttl-sweeper';

const STAGE_HOST = fileURLToPath(new URL('./stage-host.ts', import.meta.url));

export interface DevStackOptions {
  /** Pipeline name (see `pipelines/index.ts`). */
  pipeline: string;
  /** Environment prefix of every resource name (default none). */
  prefix?: string;
  /** Region recorded in the topology (default `europe-west1`; emulators ignore it). */
  region?: string;
  /** Tick period; 0 disables the timer (call `tick()` yourself). */
  tickIntervalMs: number;
  /** Run Firestore's TTL, which the emulator lacks, every this many ms (`startTtlSweeper`); default 0: off. */
  ttlSweepIntervalMs?: number;
  /** Random crashes in the served stages (`SLUICE_INJECT_FAULTS`; `npm run bench:faults`); default none. */
  injectFaults?: FaultSettings;
  /** Clone whose `.emulators/` stack is used (default this clone). */
  root?: string;
  /** Directory holding `functions/<stage>/index.ts` (default `root`; tests point it at fixtures). */
  functionsRoot?: string;
  /** Serve only these stages (default: every stage whose entry point exists). */
  stages?: FunctionStage[];
  /** Leave the emulators running on stop even if this call started them. */
  keepStack?: boolean;
  /** Where every line goes: `source` is a stage or `dev` (the stack itself). */
  onLine?: (source: FunctionStage | 'dev', line: string, stream: 'stdout' | 'stderr') => void;
  /** How long a stage process may take to start serving (default 90 s: a cold tsx compile on a busy machine). */
  stageStartTimeoutMs?: number;
  /** Value given to every secret a stage mounts (default `sluice-local-<secret id>`; never a real secret). */
  localSecret?: (secretId: string) => string;
  /**
   * Serve the deployed artefacts instead of the TypeScript entry points: `<dir>/<stage>/` as `npm
   * run bundle` writes it, after `npm ci --omit=dev` in it, started with the functions-framework
   * CLI as the Cloud Functions runtime starts it (`--target`, `--signature-type=cloudevent`,
   * `--port`). `deployed` replaces the topology's target and environment of a stage (e.g. with
   * exactly what the Pulumi program sets on the function); the emulator endpoints and local secret
   * stand-ins are added to that environment, as the platform adds its own.
   */
  bundles?: { dir: string; deployed?: Partial<Record<FunctionStage, { entryPoint: string; env: Record<string, string> }>> };
}

export interface ServedStage {
  stage: FunctionStage;
  /** `functions/<dir>/index.ts`, relative to the clone (or the bundle's directory). */
  module: string;
  /** Base URL the push subscriptions target. */
  url: string;
  pid: number;
}

export interface FailedStage {
  stage: FunctionStage;
  module: string;
  /** Why, with the first line the stage printed. */
  error: string;
}

export interface DevStack {
  topology: Topology;
  env: StackEnv;
  clients: Clients;
  /** True when this call started the emulators. */
  startedStack: boolean;
  served: ServedStage[];
  /** Stages with no entry point in this clone (their subscriptions wait as pull). */
  missing: FunctionStage[];
  /** Stages whose entry point exists but did not start serving (left out like missing ones; their output was forwarded). */
  failed: FailedStage[];
  bootstrap: BootstrapSummary;
  /** Publishes one tick now; resolves to the message id. */
  tick(): Promise<string>;
  /** Stops what this call started (idempotent). */
  stop(): Promise<void>;
}

/** The entry point of `stage` in `root`, or undefined when the stage does not exist yet. */
export function stageModule(root: string, topology: Topology, stage: FunctionStage): string | undefined {
  const file = `${topology.functions[stage].sourceDir}/index.ts`;
  return existsSync(join(root, file)) ? file : undefined;
}

/**
 * The environment of one served stage: the topology's `functions[stage].env` (which already says
 * `SLUICE_ENV=local`), `SLUICE_PREFIX`, the emulator endpoints, its secrets (local stand-ins), and
 * just enough of the parent's environment to run node. Nothing else leaks in from the shell.
 */
export function stageEnv(topology: Topology, stage: FunctionStage, stack: StackEnv, localSecret: (id: string) => string, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const fn = topology.functions[stage];
  const out = platformEnv(topology, stage, stack, localSecret, base);
  Object.assign(out, fn.env, { SLUICE_ENV: 'local' });
  if (topology.prefix) out.SLUICE_PREFIX = topology.prefix;
  return out;
}

/**
 * What the platform gives a function beside the environment its deployment sets: enough of the
 * parent's environment to run node, the emulator endpoints (in the cloud: the metadata server and
 * Google's endpoints), the secrets it mounts (local stand-ins), and — always, since the emulators
 * enforce none of them — the cloud's limits on its ports (`SLUICE_ENFORCE_CLOUD_LIMITS=1`).
 */
function platformEnv(topology: Topology, stage: FunctionStage, stack: StackEnv, localSecret: (id: string) => string, base: NodeJS.ProcessEnv): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'TERM', 'NODE_OPTIONS', 'SLUICE_GROUP_COMMIT_MS'];
  const out: Record<string, string> = {};
  for (const k of keep) if (base[k] !== undefined) out[k] = base[k]!;
  Object.assign(out, stackEnvRecord(stack));
  out.SLUICE_ENFORCE_CLOUD_LIMITS = '1';
  for (const s of topology.functions[stage].secretEnv) out[s.env] = localSecret(s.secret);
  return out;
}

/**
 * The environment of a served bundle: the deployment's (`deployed`) plus the platform's. A deployed
 * variable that names another project or endpoint than the emulators' is refused: the stage would
 * talk to something else than the stack it is tested on.
 */
export function bundleEnv(topology: Topology, stage: FunctionStage, stack: StackEnv, localSecret: (id: string) => string, deployed: Record<string, string>, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const platform = platformEnv(topology, stage, stack, localSecret, base);
  for (const [k, v] of Object.entries(stackEnvRecord(stack))) {
    if (deployed[k] !== undefined && deployed[k] !== v) throw new Error(`stage ${stage}: the deployment sets ${k}=${deployed[k]}, but the emulator stack is ${k}=${v}`);
  }
  return { ...platform, ...deployed };
}

/** Starts the dev stack; see the module comment. */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const root = options.root ?? REPO_ROOT;
  const functionsRoot = options.functionsRoot ?? root;
  const say = (line: string): void => options.onLine?.('dev', line, 'stdout');
  // Keeps google-auth-library in this process from probing a metadata server that is not there.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const { started, env } = await ensureStack({ root, log: say });
  say(started ? 'emulators started' : 'reusing the running emulators');
  const clients = createClients(loadClientsConfig(stackEnvRecord(env)));
  const topology = topologyFor(getPipeline(options.pipeline, '--pipeline'), {
    project: env.SLUICE_PROJECT,
    region: options.region ?? 'europe-west1',
    env: 'local',
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  const localSecret = options.localSecret ?? ((id: string) => `sluice-local-${id}`);

  const stages = Object.keys(topology.functions) as FunctionStage[];
  const wanted = stages.filter((s) => !options.stages || options.stages.includes(s));
  const missing: FunctionStage[] = [];
  const failed: FailedStage[] = [];
  const children: ChildProcess[] = [];
  const served: ServedStage[] = [];
  let timer: NodeJS.Timeout | undefined;
  let sweeper: { stop(): Promise<void> } | undefined;
  let stopped = false;
  /** Base URLs of the stages serving right now. */
  const urls = new Map<FunctionStage, string>();
  const rebootstrap = async (): Promise<void> => {
    await bootstrapTopology(topology, clients, { pushBaseUrl: (stage) => urls.get(stage), admin: createEmulatorAdmin(env) }).catch((err: unknown) =>
      say(`could not re-point subscriptions: ${err instanceof Error ? err.message : String(err)}`),
    );
  };

  const stopChildren = async (): Promise<void> => {
    await Promise.all(children.map((c) => terminate(c)));
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (timer) clearInterval(timer);
    await sweeper?.stop();
    const stopEmulators = started && !options.keepStack;
    if (!stopEmulators && served.length > 0) {
      // Park deliveries in the subscriptions while nothing listens.
      urls.clear();
      await rebootstrap();
    }
    await stopChildren();
    await Promise.allSettled([clients.pubsub.close(), clients.firestore.terminate()]);
    if (stopEmulators) {
      await stopStack({ root, log: say });
      say('emulators stopped');
    }
  };

  /** Starts one stage in its own process; resolves with its base URL once it serves. */
  const launch = async (stage: FunctionStage): Promise<void> => {
    const fn = topology.functions[stage];
    let module: string | undefined;
    let child: ChildProcess;
    let ready: Promise<string>;
    const timeoutMs = options.stageStartTimeoutMs ?? 90_000;
    const faults = options.injectFaults ? { [INJECT_FAULTS_VARIABLE]: formatFaultSettings(options.injectFaults) } : {};
    const onLine = (line: string, stream: 'stdout' | 'stderr'): void => options.onLine?.(stage, line, stream);
    if (options.bundles) {
      const dir = join(options.bundles.dir, stage);
      module = dir;
      const [port] = (await freePorts(1)) as [number];
      const deployed = options.bundles.deployed?.[stage] ?? fn;
      child = spawn(
        process.execPath,
        [join(dir, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js'), `--target=${deployed.entryPoint}`, '--signature-type=cloudevent', `--port=${port}`, `--source=${dir}`],
        { cwd: dir, env: { ...bundleEnv(topology, stage, env, localSecret, deployed.env), ...faults }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      ready = waitListening(child, stage, port, timeoutMs, onLine);
    } else {
      module = stageModule(functionsRoot, topology, stage);
      if (!module) {
        missing.push(stage);
        return;
      }
      child = spawn(process.execPath, ['--import', 'tsx', STAGE_HOST], {
        cwd: REPO_ROOT,
        env: {
          ...stageEnv(topology, stage, env, localSecret),
          SLUICE_DEV_MODULE: join(functionsRoot, module),
          SLUICE_DEV_ENTRY_POINT: fn.entryPoint,
          ...faults,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      ready = waitReady(child, stage, timeoutMs, onLine);
    }
    children.push(child);
    let url: string;
    try {
      url = await ready;
    } catch (err) {
      // A broken stage must not take the others down: it is left out like a missing one.
      await terminate(child);
      const [why, ...output] = (err as Error).message.split('\n');
      const telling = output.find((l) => /\w*Error\b/.test(l)) ?? output[0];
      failed.push({ stage, module, error: telling ? `${why} ${telling.trim()}` : why! });
      return;
    }
    served.push({ stage, module, url, pid: child.pid! });
    child.once('exit', (code, signal) => {
      if (stopped) return;
      say(`stage ${stage} exited (${signal ?? `code ${code}`}); parking its subscriptions as pull until the next \`npm run dev\``);
      urls.delete(stage);
      void rebootstrap();
    });
  };

  try {
    const starting = wanted.map(launch);
    await Promise.all(starting);
    failed.sort((a, b) => stages.indexOf(a.stage) - stages.indexOf(b.stage));
    served.sort((a, b) => stages.indexOf(a.stage) - stages.indexOf(b.stage));
    missing.sort((a, b) => stages.indexOf(a) - stages.indexOf(b));

    for (const s of served) urls.set(s.stage, s.url);
    const bootstrap = await bootstrapTopology(topology, clients, {
      pushBaseUrl: (stage) => urls.get(stage),
      admin: createEmulatorAdmin(env),
      log: (line) => say(`bootstrap: ${line}`),
    });
    for (const d of bootstrap.drift) say(`bootstrap: DRIFT ${d.kind} ${d.name}: ${d.detail ?? ''}`);

    const job = topology.scheduler.jobs[0]!;
    const tick = async (): Promise<string> =>
      clients.pubsub.topic(job.topicName).publishMessage({ data: Buffer.from(job.data, 'utf8'), attributes: job.attributes });
    if (options.tickIntervalMs > 0) {
      timer = setInterval(() => {
        tick().catch((err: unknown) => say(`tick failed: ${err instanceof Error ? err.message : String(err)}`));
      }, options.tickIntervalMs);
    }
    if (options.ttlSweepIntervalMs) {
      sweeper = startTtlSweeper(clients.firestore, topology, {
        intervalMs: options.ttlSweepIntervalMs,
        onSweep: (swept) => say(`ttl: deleted ${swept.length} expired document(s)`),
        onError: (err) => say(`ttl sweep failed: ${err instanceof Error ? err.message : String(err)}`),
      });
    }
    return { topology, env, clients, startedStack: started, served, missing, failed, bootstrap, tick, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Resolves with the bundle's URL once functions-framework accepts connections on `port`;
 * forwards every line it prints.
 */
function waitListening(child: ChildProcess, stage: FunctionStage, port: number, timeoutMs: number, onLine: (line: string, stream: 'stdout' | 'stderr') => void): Promise<string> {
  return waitReady(child, stage, timeoutMs, onLine, async (resolve) => {
    while (child.exitCode === null && child.signalCode === null) {
      if (await tcpOpen('127.0.0.1', port)) return resolve(`http://127.0.0.1:${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

/**
 * Resolves with the stage's URL once its host prints the ready line (or, with `probe`, once the
 * probe calls back); forwards every other line.
 */
function waitReady(
  child: ChildProcess,
  stage: FunctionStage,
  timeoutMs: number,
  onLine: (line: string, stream: 'stdout' | 'stderr') => void,
  probe?: (resolve: (url: string) => void) => Promise<void>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let ready = false;
    const tail: string[] = [];
    const timer = setTimeout(() => fail(`did not start serving within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string): void => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      reject(new Error(`stage ${stage} ${why}${tail.length ? `:\n${tail.join('\n')}` : ''}`));
    };
    const succeed = (url: string): void => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      resolve(url);
    };
    const forward = (stream: 'stdout' | 'stderr') => (line: string) => {
      if (!probe && !ready && line.startsWith(READY_MARKER)) {
        succeed((JSON.parse(line.slice(READY_MARKER.length)) as { url: string }).url);
        return;
      }
      if (!ready) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
      onLine(line, stream);
    };
    createInterface({ input: child.stdout! }).on('line', forward('stdout'));
    createInterface({ input: child.stderr! }).on('line', forward('stderr'));
    child.once('error', (err) => fail(`could not be spawned: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited before serving (${signal ?? `code ${code}`})`));
    void probe?.(succeed);
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
