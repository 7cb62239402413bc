/** Shared helpers of the emulator tests: the stack's env, clients on it, unique names, waiting. */
import { inject } from 'vitest';
import { createEmulatorAdmin, type EmulatorAdmin } from '../../emulators/admin';
import { stackEnvRecord, type StackEnv } from '../../emulators/env';
import { createClients, loadClientsConfig, type Clients, type ClientsConfig } from '../../shared/adapters/clients';

/** The running stack's endpoints, provided by global-setup.ts. */
export function stackEnv(): StackEnv {
  return inject('stackEnv');
}

/** The stack's endpoints, and the tier's switch for the cloud's limits (vitest.config.ts sets it). */
export function stackClientsConfig(): ClientsConfig {
  return loadClientsConfig({ ...stackEnvRecord(stackEnv()), SLUICE_ENFORCE_CLOUD_LIMITS: process.env.SLUICE_ENFORCE_CLOUD_LIMITS });
}

export function stackClients(): Clients {
  return createClients(stackClientsConfig());
}

export function stackAdmin(): EmulatorAdmin {
  return createEmulatorAdmin(stackEnv());
}

/** A topology prefix unique to this run: `tag` + time + pid, at most 12 characters (the prefix rule). */
export function freshPrefix(tag: string): string {
  return `${tag}${Date.now().toString(36).slice(-6)}${process.pid.toString(36).slice(-3)}`.slice(0, 12);
}

let counter = 0;
/** A name unique to this run (emulators keep state between test files; Pub/Sub has no reset). */
export function uniqueName(prefix: string, separator = '-'): string {
  counter += 1;
  return [prefix, process.pid, Date.now().toString(36), counter].join(separator);
}

/**
 * Polls `probe` until it returns a value other than undefined. Waiting is not an assertion: the
 * deadline only turns a hang into a clear failure message.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, deadlineMs = 60_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
