/**
 * `npm run emulators:start | emulators:stop | emulators:status` — the local stack from a shell.
 * `start` reuses a healthy running stack (like the emulator tests do) and prints the env file.
 */
import { readFileSync } from 'node:fs';
import { stackEnvPath } from './env';
import { ensureStack, stackStatus, stopStack } from './stack';

const command = process.argv[2];
const log = (line: string) => console.log(`[emulators] ${line}`);

async function main(): Promise<number> {
  switch (command) {
    case 'start': {
      const t0 = performance.now();
      const { started } = await ensureStack({ log });
      log(started ? `stack started in ${Math.round(performance.now() - t0)} ms` : 'a healthy stack is already running; reusing it');
      log(`env file ${stackEnvPath()}:`);
      process.stdout.write(readFileSync(stackEnvPath(), 'utf8'));
      return 0;
    }
    case 'stop': {
      const stopped = await stopStack({ log });
      log(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
      return 0;
    }
    case 'status': {
      const status = await stackStatus();
      log(`stack ${status.state}`);
      for (const s of status.services) {
        log(`  ${s.name.padEnd(9)} pgid ${s.pgid}  ports ${s.ports.join(',')}  ${s.alive ? 'alive' : 'dead'}  ${s.healthy ? 'healthy' : 'unhealthy'}`);
      }
      return status.state === 'running' ? 0 : 1;
    }
    default:
      console.error('usage: tsx emulators/cli.ts start|stop|status');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[emulators] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
