/**
 * Global setup of the emulator tier: reuse the clone's running stack or start one, hand its env
 * to the tests (`inject('stackEnv')`), and stop it afterwards only if this run started it
 * (set SLUICE_KEEP_STACK=1 to leave it running for the next run).
 *
 * A missing emulator FAILS the run with the piece and the command that installs it; the tier never
 * skips.
 */
import type { TestProject } from 'vitest/node';
import type { StackEnv } from '../../emulators/env';
import { ensureStack, stopStack } from '../../emulators/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: StackEnv;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = performance.now();
  let started: boolean;
  try {
    const result = await ensureStack();
    started = result.started;
    project.provide('stackEnv', result.env);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`The emulator tests need the local stack, and it could not start: ${message}`);
  }
  console.log(`[emulator tier] stack ${started ? `started in ${Math.round(performance.now() - t0)} ms` : 'reused'}`);
  return async () => {
    if (started && !process.env.SLUICE_KEEP_STACK) await stopStack();
  };
}
