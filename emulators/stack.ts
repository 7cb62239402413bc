/**
 * The local Google Cloud stack: four real emulators on free loopback ports.
 *
 * - Pub/Sub and Firestore: the official gcloud emulators, started through their own launcher
 *   scripts (not `gcloud … start`, whose Python wrapper would sit between us and the JVM).
 * - BigQuery: bqemulator (REST + gRPC Storage Read/Write) from the venv `install.sh` built.
 * - Cloud Storage: fake-gcs-server, with `PUBSUB_EMULATOR_HOST` so bucket notification
 *   configs publish to the Pub/Sub emulator.
 *
 * Each emulator runs in its own process group (`detached: true` makes the child a group
 * leader), so stopping kills the whole group: a launcher script and the JVM it started go
 * together. PIDs, ports and logs live in `.emulators/` of the clone; only groups recorded there,
 * and still running a command we recognise, are ever signalled.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { ConfigError } from '../shared/core/errors';
import { REPO_ROOT, formatStackEnv, stackDir, stackEnvPath, type StackEnv } from './env';

/** The four services of the stack. */
export const SERVICES = ['pubsub', 'firestore', 'bigquery', 'gcs'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** What `.emulators/stack.json` records about one started emulator. */
export interface ServiceRecord {
  name: ServiceName;
  /** PID of the group leader; also the process group id. */
  pgid: number;
  /** A substring of the command line of the group's processes, checked before signalling. */
  marker: string;
  ports: number[];
  log: string;
  /** Milliseconds from spawn to healthy. */
  startupMs: number;
}

/** Contents of `.emulators/stack.json`. */
export interface StackState {
  startedAt: string;
  project: string;
  services: ServiceRecord[];
  env: StackEnv;
}

export interface StackOptions {
  /** Clone whose `.emulators/` holds the stack; defaults to this clone. */
  root?: string;
  /** Project id of every emulator resource; defaults to `sluice-local`. */
  project?: string;
  /** Per-service health wait; defaults to 90 s (a cold JVM on a busy 2-core machine). */
  healthTimeoutMs?: number;
  /** Progress lines (defaults to silent). */
  log?: (line: string) => void;
}

export interface ServiceStatus {
  name: ServiceName;
  pgid: number;
  ports: number[];
  /** The recorded process group still runs the emulator's command. */
  alive: boolean;
  /** It answers its health check. */
  healthy: boolean;
}

export interface StackStatus {
  /** `running`: every service alive and healthy; `stopped`: nothing recorded or nothing alive. */
  state: 'running' | 'stopped' | 'degraded';
  services: ServiceStatus[];
  env?: StackEnv;
}

export const DEFAULT_PROJECT = 'sluice-local';
const INSTALL = 'bash emulators/install.sh';

/** Where install.sh caches the emulators: `${SLUICE_CACHE:-$HOME/.cache/sluice}`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLUICE_CACHE || join(homedir(), '.cache', 'sluice');
}

interface Launch {
  name: ServiceName;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  marker: string;
  ports: number[];
  healthy: () => Promise<boolean>;
}

/** Locates every emulator binary; throws ConfigError naming the missing piece and its install command. */
export function locateEmulators(root: string = REPO_ROOT): { pubsub: string; firestore: string; bqemulator: string; bqHome: string; fakeGcs: string } {
  const gcloud = which('gcloud');
  if (!gcloud) {
    throw new ConfigError('gcloud', `not on PATH; the Pub/Sub and Firestore emulators come with the Google Cloud CLI. Install it with the emulator components (apt-get install google-cloud-cli google-cloud-cli-pubsub-emulator google-cloud-cli-firestore-emulator), then run \`${INSTALL}\``);
  }
  if (!which('java')) {
    throw new ConfigError('java', `not on PATH; the gcloud Pub/Sub and Firestore emulators need a JRE (apt-get install default-jre-headless); \`${INSTALL}\` checks it`);
  }
  const sdk = dirname(dirname(realpathSync(gcloud)));
  const pubsub = join(sdk, 'platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator');
  const firestore = join(sdk, 'platform', 'cloud-firestore-emulator', 'cloud_firestore_emulator');
  if (!existsSync(pubsub)) {
    throw new ConfigError('pubsub-emulator', `missing at ${pubsub}; install it with \`gcloud components install pubsub-emulator\` (or apt-get install google-cloud-cli-pubsub-emulator); \`${INSTALL}\` checks it`);
  }
  if (!existsSync(firestore)) {
    throw new ConfigError('cloud-firestore-emulator', `missing at ${firestore}; install it with \`gcloud components install cloud-firestore-emulator\` (or apt-get install google-cloud-cli-firestore-emulator); \`${INSTALL}\` checks it`);
  }
  const cache = cacheDir();
  const versions = JSON.parse(readFileSync(join(root, 'emulators', 'versions.json'), 'utf8')) as {
    fakeGcsServer: { version: string };
    bqemulator: { requirements: string };
  };
  const bqDir = join(cache, 'bqemulator');
  const bqemulator = join(bqDir, 'venv', 'bin', 'bqemulator');
  if (!existsSync(bqemulator)) {
    throw new ConfigError('bqemulator', `not installed in ${bqDir}; run \`${INSTALL}\``);
  }
  const want = createHash('sha256').update(readFileSync(join(root, versions.bqemulator.requirements))).digest('hex').slice(0, 16);
  const stamp = existsSync(join(bqDir, 'stamp')) ? readFileSync(join(bqDir, 'stamp'), 'utf8') : '';
  if (!stamp.startsWith(want)) {
    throw new ConfigError('bqemulator', `the install in ${bqDir} does not match ${versions.bqemulator.requirements}; run \`${INSTALL}\``);
  }
  const fakeGcs = join(cache, 'fake-gcs-server', versions.fakeGcsServer.version, 'fake-gcs-server');
  if (!existsSync(fakeGcs)) {
    throw new ConfigError('fake-gcs-server', `${versions.fakeGcsServer.version} not installed at ${fakeGcs}; run \`${INSTALL}\``);
  }
  return { pubsub, firestore, bqemulator, bqHome: join(bqDir, 'home'), fakeGcs };
}

/**
 * Starts all four emulators on free loopback ports, waits until each answers its health check,
 * and writes `.emulators/stack.json` and `.emulators/env`. Any stack previously recorded for the
 * clone is stopped first. On failure, everything this call started is stopped again.
 */
export async function startStack(options: StackOptions = {}): Promise<StackState> {
  return withStackLock(options.root ?? REPO_ROOT, () => startUnlocked(options));
}

async function startUnlocked(options: StackOptions): Promise<StackState> {
  const root = options.root ?? REPO_ROOT;
  const project = options.project ?? DEFAULT_PROJECT;
  const log = options.log ?? (() => {});
  const bins = locateEmulators(root);
  await stopUnlocked(root, log);

  const dir = stackDir(root);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const [pubsubPort, firestorePort, bqRestPort, bqGrpcPort, gcsPort] = (await freePorts(5)) as [number, number, number, number, number];
  const host = '127.0.0.1';
  const baseEnv = childEnv();
  const launches: Launch[] = [
    {
      name: 'pubsub',
      command: bins.pubsub,
      args: [`--host=${host}`, `--port=${pubsubPort}`],
      env: baseEnv,
      marker: 'pubsub-emulator',
      ports: [pubsubPort],
      healthy: () => httpOk(`http://${host}:${pubsubPort}/`),
    },
    {
      name: 'firestore',
      command: bins.firestore,
      args: ['start', `--host=${host}`, `--port=${firestorePort}`],
      env: baseEnv,
      marker: 'firestore',
      ports: [firestorePort],
      healthy: () => httpOk(`http://${host}:${firestorePort}/`),
    },
    {
      name: 'bigquery',
      command: bins.bqemulator,
      args: ['start', '--rest-host', host, '--rest-port', String(bqRestPort), '--grpc-host', host, '--grpc-port', String(bqGrpcPort), '--project', project, '--ephemeral', '--log-level', 'warning'],
      // DuckDB looks for extensions under $HOME/.duckdb; install.sh put the spatial one there.
      env: { ...baseEnv, HOME: bins.bqHome },
      marker: 'bqemulator',
      ports: [bqRestPort, bqGrpcPort],
      healthy: async () =>
        (await httpOk(`http://${host}:${bqRestPort}/bigquery/v2/projects/${project}/datasets`)) && (await tcpOpen(host, bqGrpcPort)),
    },
    {
      name: 'gcs',
      command: bins.fakeGcs,
      args: ['-scheme', 'http', '-host', host, '-port', String(gcsPort), '-backend', 'memory', '-public-host', `${host}:${gcsPort}`, '-external-url', `http://${host}:${gcsPort}`, '-log-level', 'warn'],
      // fake-gcs-server publishes bucket notifications through the Pub/Sub client, which honours this.
      env: { ...baseEnv, PUBSUB_EMULATOR_HOST: `${host}:${pubsubPort}` },
      marker: 'fake-gcs-server',
      ports: [gcsPort],
      healthy: () => httpOk(`http://${host}:${gcsPort}/storage/v1/b`),
    },
  ];

  const env: StackEnv = {
    SLUICE_PROJECT: project,
    GOOGLE_CLOUD_PROJECT: project,
    PUBSUB_EMULATOR_HOST: `${host}:${pubsubPort}`,
    FIRESTORE_EMULATOR_HOST: `${host}:${firestorePort}`,
    SLUICE_BIGQUERY_ENDPOINT: `http://${host}:${bqRestPort}`,
    SLUICE_BIGQUERY_GRPC_PORT: bqGrpcPort,
    SLUICE_GCS_ENDPOINT: `http://${host}:${gcsPort}`,
    METADATA_SERVER_DETECTION: 'none',
  };
  const state: StackState = { startedAt: new Date().toISOString(), project, services: [], env };
  const timeoutMs = options.healthTimeoutMs ?? 90_000;

  // Record each group as soon as it exists, so a failed start can still be cleaned up by stopStack.
  const started = launches.map((launch) => {
    const logPath = join(dir, 'logs', `${launch.name}.log`);
    const fd = openSync(logPath, 'w');
    const t0 = performance.now();
    const child = spawn(launch.command, launch.args, { detached: true, stdio: ['ignore', fd, fd], env: launch.env });
    closeSync(fd);
    child.unref();
    let exited: string | undefined;
    child.on('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
    child.on('error', (err) => (exited = `failed to spawn: ${err.message}`));
    const record: ServiceRecord = { name: launch.name, pgid: child.pid ?? -1, marker: launch.marker, ports: launch.ports, log: logPath, startupMs: 0 };
    state.services.push(record);
    return { launch, record, t0, exitedReason: () => exited };
  });
  writeState(root, state);

  let failed = false;
  try {
    await Promise.all(
      started.map(async ({ launch, record, t0, exitedReason }) => {
        const deadline = performance.now() + timeoutMs;
        for (;;) {
          if (failed) return;
          const why = exitedReason();
          if (why) throw new Error(`the ${launch.name} emulator ${why} during start-up; see ${record.log}:\n${tail(record.log)}`);
          if (await launch.healthy()) break;
          if (performance.now() > deadline) {
            throw new Error(`the ${launch.name} emulator was not healthy within ${timeoutMs} ms; see ${record.log}:\n${tail(record.log)}`);
          }
          await sleep(100);
        }
        record.startupMs = Math.round(performance.now() - t0);
        log(`${launch.name} healthy on ${launch.ports.join(', ')} after ${record.startupMs} ms`);
      }),
    );
  } catch (err) {
    failed = true;
    await stopUnlocked(root, log);
    throw err;
  }
  writeState(root, state);
  writeFileSync(stackEnvPath(root), formatStackEnv(env));
  return state;
}

/**
 * Stops the stack recorded for the clone: SIGTERM to each recorded process group that still runs
 * its emulator, SIGKILL after 5 s, then removes the records. Returns the services it signalled.
 */
export async function stopStack(options: Pick<StackOptions, 'root' | 'log'> = {}): Promise<ServiceName[]> {
  const root = options.root ?? REPO_ROOT;
  return withStackLock(root, () => stopUnlocked(root, options.log ?? (() => {})));
}

async function stopUnlocked(root: string, log: (line: string) => void): Promise<ServiceName[]> {
  const state = readState(root);
  const stopped: ServiceName[] = [];
  if (state) {
    await Promise.all(
      state.services.map(async (svc) => {
        if (!groupRuns(svc.pgid, svc.marker)) return;
        stopped.push(svc.name);
        signalGroup(svc.pgid, 'SIGTERM');
        if (!(await waitGroupGone(svc.pgid, 5_000))) {
          signalGroup(svc.pgid, 'SIGKILL');
          await waitGroupGone(svc.pgid, 2_000);
        }
        log(`${svc.name} stopped (process group ${svc.pgid})`);
      }),
    );
  }
  rmSync(join(stackDir(root), 'stack.json'), { force: true });
  rmSync(stackEnvPath(root), { force: true });
  return stopped;
}

/** Liveness and health of each recorded emulator, without changing anything. */
export async function stackStatus(options: Pick<StackOptions, 'root'> = {}): Promise<StackStatus> {
  const state = readState(options.root ?? REPO_ROOT);
  if (!state) return { state: 'stopped', services: [] };
  const { env } = state;
  const checks: Record<ServiceName, () => Promise<boolean>> = {
    pubsub: () => httpOk(`http://${env.PUBSUB_EMULATOR_HOST}/`),
    firestore: () => httpOk(`http://${env.FIRESTORE_EMULATOR_HOST}/`),
    bigquery: async () =>
      (await httpOk(`${env.SLUICE_BIGQUERY_ENDPOINT}/bigquery/v2/projects/${state.project}/datasets`)) &&
      (await tcpOpen('127.0.0.1', env.SLUICE_BIGQUERY_GRPC_PORT)),
    gcs: () => httpOk(`${env.SLUICE_GCS_ENDPOINT}/storage/v1/b`),
  };
  const services = await Promise.all(
    state.services.map(async (svc): Promise<ServiceStatus> => {
      const alive = groupRuns(svc.pgid, svc.marker);
      return { name: svc.name, pgid: svc.pgid, ports: svc.ports, alive, healthy: alive && (await checks[svc.name]()) };
    }),
  );
  const all = services.length === SERVICES.length && services.every((s) => s.healthy);
  const none = services.every((s) => !s.alive);
  return { state: all ? 'running' : none ? 'stopped' : 'degraded', services, env };
}

/** Reuses the clone's running stack when every service is healthy; otherwise (re)starts it. */
export async function ensureStack(options: StackOptions = {}): Promise<{ started: boolean; env: StackEnv; state: StackState }> {
  const root = options.root ?? REPO_ROOT;
  return withStackLock(root, () => ensureUnlocked(root, options));
}

async function ensureUnlocked(root: string, options: StackOptions): Promise<{ started: boolean; env: StackEnv; state: StackState }> {
  const status = await stackStatus({ root });
  const recorded = readState(root);
  if (status.state === 'running' && recorded && existsSync(stackEnvPath(root))) {
    return { started: false, env: recorded.env, state: recorded };
  }
  const state = await startUnlocked({ ...options, root });
  return { started: true, env: state.env, state };
}

/**
 * Serialises start/stop/ensure of one clone's stack across processes (two test runs starting at
 * once would otherwise both start a stack, the second stopping the first's). A lock directory
 * holds the owner's PID; a lock whose owner is dead is taken over.
 */
async function withStackLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const dir = stackDir(root);
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'lock');
  const deadline = performance.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : NaN);
      if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (performance.now() > deadline) throw new Error(`the stack lock ${lock} is held by process ${owner}; remove it if that process is gone`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------

function readState(root: string): StackState | undefined {
  const file = join(stackDir(root), 'stack.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

function writeState(root: string, state: StackState): void {
  writeFileSync(join(stackDir(root), 'stack.json'), JSON.stringify(state, null, 2) + '\n');
}

/** The parent's environment minus variables that would point an emulator at the wrong place. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['PUBSUB_EMULATOR_HOST', 'FIRESTORE_EMULATOR_HOST', 'STORAGE_EMULATOR_HOST', 'BIGQUERY_EMULATOR_HOST']) delete env[key];
  return env;
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, cmd);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** PIDs of the processes in a process group (Linux /proc); undefined where /proc is absent. */
function groupMembers(pgid: number): number[] | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return members;
}

/** True when the group exists and one of its processes runs a command containing `marker`. */
function groupRuns(pgid: number, marker: string): boolean {
  if (!(pgid > 1)) return false;
  const members = groupMembers(pgid);
  if (members === undefined) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  return members.some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
}

/** `n` loopback ports free right now. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<import('node:net').Server>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Whether something accepts TCP connections on host:port. */
export function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
