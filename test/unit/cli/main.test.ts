import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../cli/main';
import { pipelineNames } from '../../../pipelines';

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
    expect(parseError(['tail', '--aggregation', 'device_minute', '--since', '1h', '--follow', '--interval', '0.5'])).toBeUndefined();
    expect(parseError(['replay', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-01T06:00:00Z', '--dry-run'])).toBeUndefined();
  });

  it('replay needs both ends of the range; tail polls no faster than 0.2 s', () => {
    expect(parseError(['replay', '--from', '2026-01-01T00:00:00Z'])).toMatch(/required option '--to <ISO>' not specified/);
    expect(parseError(['replay', '--to', '2026-01-01T00:00:00Z'])).toMatch(/required option '--from <ISO>' not specified/);
    expect(parseError(['tail', '--interval', '0.1'])).toMatch(/--interval must be ≥ 0.2; got 0.1/);
    expect(parseError(['tail', '--lookback', '-1'])).toMatch(/--lookback must be ≥ 0; got -1/);
  });

  it('refuses bad numbers with the rule', () => {
    expect(parseError(['publish', '--batch', '0'])).toMatch(/--batch must be a whole number ≥ 1; got 0/);
    expect(parseError(['publish', '--rate', '-3'])).toMatch(/--rate must be > 0; got -3/);
    expect(parseError(['publish', '--duplicates', '1'])).toMatch(/--duplicates must be a fraction in \[0, 1\)/);
    expect(parseError(['query', 'SELECT 1', '--max-bytes', '1e3.5'])).toMatch(/--max-bytes must be a whole number/);
  });

  it('refuses unknown pipelines, naming the known ones', () => {
    expect(parseError(['--pipeline', 'nope', 'status'])).toContain(pipelineNames().join(', '));
  });
});
