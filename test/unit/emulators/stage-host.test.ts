import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HOST = fileURLToPath(new URL('../../../emulators/stage-host.ts', import.meta.url));
const PROBE = fileURLToPath(new URL('./fixtures/probe-stage.ts', import.meta.url));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('stage host', () => {
  it('stops serving when its parent dies without stopping it', async () => {
    // A parent that starts a stage host, reports its pid once it serves, then waits to be killed.
    const parentScript = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(HOST)}], {
        env: { ...process.env, SLUICE_DEV_MODULE: ${JSON.stringify(PROBE)}, SLUICE_DEV_ENTRY_POINT: 'probe' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.stdout.on('data', (d) => { if (String(d).includes('@@sluice-stage-ready')) console.log('CHILD ' + child.pid); });
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the stage host did not start serving')), 60_000);
      parent.stdout.on('data', (d: Buffer) => {
        const m = /CHILD (\d+)/.exec(String(d));
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    expect(alive(childPid)).toBe(true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(childPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const orphaned = alive(childPid);
    if (orphaned) process.kill(childPid, 'SIGKILL');
    expect(orphaned).toBe(false);
  }, 90_000);
});
