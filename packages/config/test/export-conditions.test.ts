/** Which export conditions the process runs with, as Node reads them from its options. */
import { describe, expect, it } from 'vitest';
import { conditionsFromArgs, processConditions } from '../src/internal/export-conditions.ts';

describe('conditionsFromArgs', () => {
  it.each([
    ['--conditions=name', ['--conditions=@presence-router/source'], ['@presence-router/source']],
    ['--conditions name', ['--conditions', 'development'], ['development']],
    ['-C name', ['-C', 'worker'], ['worker']],
    ['-C=name', ['-C=worker'], ['worker']],
    [
      'several, among other options (tsx, vitest)',
      ['--import', 'file:///loader.mjs', '--conditions=a', '--conditions', 'b', '-C', 'c'],
      ['a', 'b', 'c'],
    ],
    ['none', ['--import', 'file:///loader.mjs', '--no-warnings'], []],
    ['a flag without its value', ['--conditions'], []],
  ] as const)('reads %s', (_name, args, expected) => {
    expect(conditionsFromArgs(args)).toEqual(expected);
  });
});

describe('processConditions', () => {
  const notDeno = () => false;

  it.each([
    ['a process without options or environment', {}, ['node', 'import']],
    ['a process without conditions', { execArgv: [], env: {} }, ['node', 'import']],
    [
      'the source condition on the command line',
      { execArgv: ['--conditions=@presence-router/source'], env: {} },
      ['node', 'import', '@presence-router/source'],
    ],
    [
      'conditions in NODE_OPTIONS, each once',
      {
        execArgv: ['-C', 'a'],
        env: { NODE_OPTIONS: '--max-old-space-size=100  --conditions=b -C a' },
      },
      ['node', 'import', 'a', 'b'],
    ],
  ] as const)('gives node and import, then the conditions of %s', (_name, runtime, expected) => {
    expect(processConditions(runtime, notDeno)).toEqual(expected);
  });

  it("adds the source condition when the runtime resolves the workspace's packages to source", () => {
    expect(processConditions({ execArgv: [], env: {} }, () => true)).toEqual([
      'node',
      'import',
      '@presence-router/source',
    ]);
  });
});
