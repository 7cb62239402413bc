/**
 * The stack lifecycle on a second, throw-away clone root: start on free ports, reuse when healthy,
 * and stop every process it started — including the JVM a launcher script spawned.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, readStackEnv, stackEnvPath } from '../../emulators/env';
import { SERVICES, ensureStack, stackStatus, startStack, stopStack } from '../../emulators/stack';
import { stackEnv } from './helpers';

/** PIDs whose process group is `pgid`, read from /proc. */
function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local stack lifecycle', () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-stack-'));
  mkdirSync(join(root, 'emulators'));
  for (const file of ['versions.json', 'bqemulator-requirements.txt']) {
    copyFileSync(join(REPO_ROOT, 'emulators', file), join(root, 'emulators', file));
  }

  afterAll(async () => {
    await stopStack({ root });
    rmSync(root, { recursive: true, force: true });
  });

  it('starts, reuses and stops exactly its own process groups', async () => {
    const state = await startStack({ root, project: 'sluice-lifecycle' });
    expect(state.services.map((s) => s.name).sort()).toEqual([...SERVICES].sort());
    expect(readStackEnv(root)).toEqual(state.env);

    // Its ports differ from the stack the other emulator tests use.
    const other = stackEnv();
    expect(state.env.PUBSUB_EMULATOR_HOST).not.toBe(other.PUBSUB_EMULATOR_HOST);
    expect(state.env.SLUICE_GCS_ENDPOINT).not.toBe(other.SLUICE_GCS_ENDPOINT);

    const status = await stackStatus({ root });
    expect(status.state).toBe('running');
    expect(status.services.every((s) => s.alive && s.healthy)).toBe(true);

    const reused = await ensureStack({ root });
    expect(reused.started).toBe(false);
    expect(reused.env).toEqual(state.env);

    const members = new Map(state.services.map((s) => [s.name, groupMembers(s.pgid)]));
    // The Firestore launcher is a shell script that starts a JVM: both are in the group.
    expect(members.get('firestore')!.length).toBeGreaterThanOrEqual(2);

    const stopped = await stopStack({ root });
    expect([...stopped].sort()).toEqual([...SERVICES].sort());
    for (const [name, pids] of members) {
      expect(pids.filter(alive), `${name} processes left running`).toEqual([]);
    }
    expect(existsSync(stackEnvPath(root))).toBe(false);
    expect((await stackStatus({ root })).state).toBe('stopped');

    // The stack of the other tests is untouched.
    const res = await fetch(`http://${other.PUBSUB_EMULATOR_HOST}/`);
    expect(res.ok).toBe(true);
  });
});
