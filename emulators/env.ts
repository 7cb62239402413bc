/**
 * The one env file of the local stack: `.emulators/env` in the clone, `KEY=VALUE` lines.
 *
 * `npm run emulators:start` writes it; the emulator tests, the dev stack and any shell
 * (`set -a; . .emulators/env; set +a`) read it. Keys are environment variable names so the
 * same values work as a process environment and as explicit client configuration.
 *
 * Deliberately absent: `BIGQUERY_EMULATOR_HOST` and `STORAGE_EMULATOR_HOST`. The Node
 * BigQuery and Storage clients use those as the whole base URL and drop the `/bigquery/v2`
 * and `/storage/v1` prefixes the emulators route on; pass `SLUICE_BIGQUERY_ENDPOINT` and
 * `SLUICE_GCS_ENDPOINT` as `apiEndpoint` instead (see `shared/adapters/clients.ts`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../shared/core/errors';

/** Endpoints of a running local stack. */
export interface StackEnv {
  /** Project id every emulator resource lives in, e.g. `sluice-local`. */
  SLUICE_PROJECT: string;
  /** Same as SLUICE_PROJECT, for libraries (functions-framework, clients) that detect a project. */
  GOOGLE_CLOUD_PROJECT: string;
  /** `host:port` of the Pub/Sub emulator (read by @google-cloud/pubsub itself too). */
  PUBSUB_EMULATOR_HOST: string;
  /** `host:port` of the Firestore emulator (read by @google-cloud/firestore itself too). */
  FIRESTORE_EMULATOR_HOST: string;
  /** `http://host:port` of the BigQuery emulator's REST API, for `new BigQuery({apiEndpoint})`. */
  SLUICE_BIGQUERY_ENDPOINT: string;
  /** Port of the BigQuery emulator's gRPC API (Storage Read/Write) on the same host. */
  SLUICE_BIGQUERY_GRPC_PORT: number;
  /** `http://host:port` of fake-gcs-server, for `new Storage({apiEndpoint})`. */
  SLUICE_GCS_ENDPOINT: string;
  /** Keeps google-auth-library from probing the GCE metadata server (slow timeouts locally). */
  METADATA_SERVER_DETECTION: 'none';
}

/** Every key of the env file, in the order it is written. */
export const STACK_ENV_KEYS = [
  'SLUICE_PROJECT',
  'GOOGLE_CLOUD_PROJECT',
  'PUBSUB_EMULATOR_HOST',
  'FIRESTORE_EMULATOR_HOST',
  'SLUICE_BIGQUERY_ENDPOINT',
  'SLUICE_BIGQUERY_GRPC_PORT',
  'SLUICE_GCS_ENDPOINT',
  'METADATA_SERVER_DETECTION',
] as const satisfies readonly (keyof StackEnv)[];

/** The clone this file lives in. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `.emulators/` of a clone: pids, logs and the env file of its stack (gitignored). */
export function stackDir(root: string = REPO_ROOT): string {
  return join(root, '.emulators');
}

/** Path of the env file of a clone's stack. */
export function stackEnvPath(root: string = REPO_ROOT): string {
  return join(stackDir(root), 'env');
}

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const HTTP_URL = /^https?:\/\/[A-Za-z0-9.-]+:\d{1,5}$/;

/** Parses and validates env-file text (or any `KEY=VALUE` record) into a StackEnv. */
export function parseStackEnv(source: string | Record<string, string | undefined>): StackEnv {
  const raw: Record<string, string | undefined> = typeof source === 'string' ? parseLines(source) : source;
  const need = (key: string, pattern?: RegExp, example?: string): string => {
    const value = raw[key];
    if (value === undefined || value === '') {
      throw new ConfigError(key, 'missing from the stack env; start the stack with `npm run emulators:start`');
    }
    if (pattern && !pattern.test(value)) {
      throw new ConfigError(key, `must look like ${example}; got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const port = Number(need('SLUICE_BIGQUERY_GRPC_PORT', /^\d{1,5}$/, '9060'));
  const detection = need('METADATA_SERVER_DETECTION');
  if (detection !== 'none') {
    throw new ConfigError('METADATA_SERVER_DETECTION', `must be "none" for the local stack; got ${JSON.stringify(detection)}`);
  }
  const project = need('SLUICE_PROJECT', /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a project id such as sluice-local');
  return {
    SLUICE_PROJECT: project,
    GOOGLE_CLOUD_PROJECT: raw.GOOGLE_CLOUD_PROJECT || project,
    PUBSUB_EMULATOR_HOST: need('PUBSUB_EMULATOR_HOST', HOST_PORT, '127.0.0.1:8085'),
    FIRESTORE_EMULATOR_HOST: need('FIRESTORE_EMULATOR_HOST', HOST_PORT, '127.0.0.1:8080'),
    SLUICE_BIGQUERY_ENDPOINT: need('SLUICE_BIGQUERY_ENDPOINT', HTTP_URL, 'http://127.0.0.1:9050'),
    SLUICE_BIGQUERY_GRPC_PORT: port,
    SLUICE_GCS_ENDPOINT: need('SLUICE_GCS_ENDPOINT', HTTP_URL, 'http://127.0.0.1:4443'),
    METADATA_SERVER_DETECTION: 'none',
  };
}

/** Renders a StackEnv as env-file text (`KEY=VALUE` lines, sourceable by a shell). */
export function formatStackEnv(env: StackEnv): string {
  return STACK_ENV_KEYS.map((key) => `${key}=${String(env[key])}`).join('\n') + '\n';
}

/** The StackEnv as a plain environment record, e.g. to spread into a child process's env. */
export function stackEnvRecord(env: StackEnv): Record<string, string> {
  return Object.fromEntries(STACK_ENV_KEYS.map((key) => [key, String(env[key])]));
}

/**
 * Reads `.emulators/env` of the clone. Throws ConfigError naming the file and the command to
 * run when the stack has not been started.
 */
export function readStackEnv(root: string = REPO_ROOT): StackEnv {
  const file = stackEnvPath(root);
  if (!existsSync(file)) {
    throw new ConfigError(file, 'no local stack env; start the emulators with `npm run emulators:start`');
  }
  return parseStackEnv(readFileSync(file, 'utf8'));
}

function parseLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) continue;
    out[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return out;
}
