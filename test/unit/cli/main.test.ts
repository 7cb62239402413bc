import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../cli/main';

/** Parses argv without running any action or exiting; returns the error message commander raised. */
function parseError(args: string[]): string | undefined {
  const program = buildProgram();
  const quiet = (c: Command): void => {
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    for (const sub of c.commands) {
      quiet(sub);
      sub.action(() => {});
    }
  };
  quiet(program);
  try {
    program.parse(['node', 'sluice', ...args]);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('sluice argument checks', () => {
  it('accepts well-formed commands', () => {
    expect(parseError(['--pipeline', 'clickstream', 'publish', '--count', '10', '--batch', '5', '--rate', '2.5'])).toBeUndefined();
    expect(parseError(['query', 'SELECT 1', '--max-bytes', '1000'])).toBeUndefined();
    expect(parseError(['status', '--json'])).toBeUndefined();
  });

  it('refuses bad numbers with the rule', () => {
    expect(parseError(['publish', '--batch', '0'])).toMatch(/--batch must be a whole number ≥ 1; got 0/);
    expect(parseError(['publish', '--rate', '-3'])).toMatch(/--rate must be > 0; got -3/);
    expect(parseError(['publish', '--duplicates', '1'])).toMatch(/--duplicates must be a fraction in \[0, 1\)/);
    expect(parseError(['query', 'SELECT 1', '--max-bytes', '1e3.5'])).toMatch(/--max-bytes must be a whole number/);
  });

  it('refuses unknown pipelines, naming the known ones', () => {
    expect(parseError(['--pipeline', 'nope', 'status'])).toMatch(/clickstream, iot-sensors/);
  });
});
