/** Node's `exports` resolution, case by case (PACKAGE_EXPORTS_RESOLVE in Node's ESM spec). */
import { describe, expect, it } from 'vitest';
import {
  type ExportsResolution,
  exportedSubpaths,
  resolvePackageExports,
} from '../src/internal/package-exports.ts';

const NODE = new Set(['node', 'import']);
const SOURCE = new Set(['node', 'import', '@presence-router/source']);

const file = (path: string): ExportsResolution => ({ kind: 'file', path });
const notExported: ExportsResolution = { kind: 'not-exported' };

const WORKSPACE = {
  '.': {
    '@presence-router/source': './src/index.ts',
    types: './dist/index.d.ts',
    default: './dist/index.js',
  },
  './package.json': './package.json',
};

const CASES: readonly [string, unknown, string, ReadonlySet<string>, ExportsResolution][] = [
  ['a string is the main export', './main.js', '.', NODE, file('./main.js')],
  ['a string exports no subpath', './main.js', './x', NODE, notExported],
  ['conditions at the top are the main export', { import: './m.js' }, '.', NODE, file('./m.js')],
  [
    'conditions in the order written: import before require',
    { '.': { import: './esm.js', require: './cjs.cjs' } },
    '.',
    NODE,
    file('./esm.js'),
  ],
  [
    'the first matching condition wins, even if a later one is more specific',
    { '.': { default: './any.js', node: './node.js' } },
    '.',
    NODE,
    file('./any.js'),
  ],
  [
    'require only: not exported to import()',
    { '.': { require: './cjs.cjs' } },
    '.',
    NODE,
    notExported,
  ],
  [
    'nested conditions',
    { '.': { node: { import: './node.mjs', require: './node.cjs' }, default: './browser.js' } },
    '.',
    NODE,
    file('./node.mjs'),
  ],
  [
    'a nested object with no match falls through to the next condition',
    { '.': { node: { require: './node.cjs' }, default: './any.js' } },
    '.',
    NODE,
    file('./any.js'),
  ],
  ['the source condition when the process has it', WORKSPACE, '.', SOURCE, file('./src/index.ts')],
  ['the built file otherwise', WORKSPACE, '.', NODE, file('./dist/index.js')],
  ['an exact subpath', WORKSPACE, './package.json', NODE, file('./package.json')],
  ['a subpath not in the map', WORKSPACE, './src/index.ts', NODE, notExported],
  [
    'a pattern, the match replacing every *',
    { './routers/*': './lib/*/index-*.js' },
    './routers/team',
    NODE,
    file('./lib/team/index-team.js'),
  ],
  [
    'a pattern with a trailer',
    { './routers/*.js': './lib/*.mjs' },
    './routers/team.js',
    NODE,
    file('./lib/team.mjs'),
  ],
  [
    'a pattern whose trailer does not match',
    { './routers/*.js': './lib/*.mjs' },
    './routers/team.cjs',
    NODE,
    notExported,
  ],
  [
    'the longest pattern prefix wins',
    { './*': './any/*.js', './routers/*': './routers/*.js' },
    './routers/team',
    NODE,
    file('./routers/team.js'),
  ],
  [
    'null excludes a subpath a pattern would give',
    { './*': './*.js', './internal/*': null },
    './internal/secret',
    NODE,
    notExported,
  ],
  [
    'an exact key beats a pattern',
    { './*': './any/*.js', './team': './team.js' },
    './team',
    NODE,
    file('./team.js'),
  ],
  [
    'a list is tried in order, skipping invalid targets',
    { '.': ['not-relative.js', './fallback.js'] },
    '.',
    NODE,
    file('./fallback.js'),
  ],
  ['an empty list exports nothing', { '.': [] }, '.', NODE, notExported],
  ['null exports nothing', null, '.', NODE, notExported],
];

const INVALID: readonly [string, unknown, string][] = [
  ['a target outside "./"', { '.': '../outside.js' }, '.'],
  ['a bare target', { '.': 'other-package' }, '.'],
  ['a target through node_modules', { '.': './node_modules/x/index.js' }, '.'],
  ['a pattern match leaving the package', { './*': './lib/*' }, './a/../../b'],
  ['subpaths mixed with conditions', { '.': './a.js', import: './b.js' }, '.'],
  ['a numeric condition', { '.': { 0: './a.js' } }, '.'],
  ['a target that is a number', { '.': 42 }, '.'],
];

describe('resolvePackageExports', () => {
  it.each(CASES)('%s', (_name, exports, subpath, conditions, expected) => {
    expect(resolvePackageExports(exports, subpath, conditions)).toEqual(expected);
  });

  it.each(INVALID)('refuses %s as invalid', (_name, exports, subpath) => {
    expect(resolvePackageExports(exports, subpath, NODE)).toMatchObject({ kind: 'invalid' });
  });
});

describe('exportedSubpaths', () => {
  it.each([
    [
      'a subpath map, without the excluded ones',
      { '.': './a.js', './b': './b.js', './c/*': null },
      ['.', './b'],
    ],
    ['conditions at the top', { import: './a.js' }, ['.']],
    ['a string', './a.js', ['.']],
    ['nothing', undefined, []],
  ] as const)('lists %s', (_name, exports, expected) => {
    expect(exportedSubpaths(exports)).toEqual(expected);
  });
});
