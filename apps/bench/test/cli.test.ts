import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PresenceRouterError } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import { BenchError } from '../src/errors.ts';

const BENCH = fileURLToPath(new URL('..', import.meta.url));

/** Runs `src/cli.ts` with `args` the way the package scripts do; nothing here runs a scenario. */
function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--conditions=@presence-router/source', '--import', 'tsx', 'src/cli.ts', ...args],
    { cwd: BENCH, encoding: 'utf8' },
  );
}

describe('BenchError', () => {
  it('is a PresenceRouterError with its code, scenario and cause', () => {
    const cause = new Error('child crashed');
    const error = new BenchError('SCENARIO_FAILED', 'pareto-20k failed', {
      scenario: 'pareto-20k',
      cause,
    });
    expect(error).toBeInstanceOf(PresenceRouterError);
    expect(error).toMatchObject({
      name: 'BenchError',
      code: 'SCENARIO_FAILED',
      scenario: 'pareto-20k',
      implementation: undefined,
    });
    expect(error.cause).toBe(cause);
    expect('cause' in new BenchError('INVALID_OPTION', 'bad')).toBe(false);
  });
});

describe('the command line', () => {
  it.each([
    { args: ['--bogus'], says: /Unknown option '--bogus'/ },
    { args: ['--only', 'nope'], says: /Unknown scenario\(s\): nope\. Known: pareto-20k,/ },
    { args: ['--smoke', '--child', 'nope'], says: /Unknown scenario nope/ },
    { args: ['--smoke', '--child', 'sync-20k (smoke)'], says: /--child needs --result-file/ },
  ])('refuses $args with the usage and exit code 2 (INVALID_USAGE)', ({ args, says }) => {
    const run = cli(...args);
    expect(run.stderr).toMatch(says);
    expect(run.stderr).toContain('Usage: cli.ts');
    expect(run.status).toBe(2);
  });
});
