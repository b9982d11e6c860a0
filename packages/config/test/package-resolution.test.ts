/**
 * `module:` packages resolve from the operator's application, as Synapse imports a module
 * from the environment it was installed in: `node_modules` from `baseDir` up, then from the
 * working directory up, through each package's `exports` map, never from this package.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '@presence-router/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadConfigOptions, loadConfig, ModuleRegistry } from '../src/index.ts';
import { resolveModuleClass } from '../src/internal/module-resolution.ts';
import {
  type FixtureFolder,
  fixtureFolder,
  packageJson,
  routerModule,
} from './support/fixture-folder.ts';
import { loadError } from './support/load-error.ts';
import { AuditRouter, RoomRouter } from './support/test-modules.ts';

/** The operator's application: its own package.json and node_modules. */
let app: FixtureFolder;
/** A folder holding only the configuration, like /etc/presence-router. */
let etc: FixtureFolder;
/** Another application, to show which one wins. */
let other: FixtureFolder;

beforeAll(() => {
  etc = fixtureFolder({ 'homeserver.yaml': 'server_name: hs.example\n' });
  app = fixtureFolder({
    'package.json': packageJson({ name: 'operator-app', private: true }),
    'config/homeserver.yaml': 'server_name: hs.example\n',
    'node_modules/@acme/routers/package.json': packageJson({
      name: '@acme/routers',
      exports: {
        '.': {
          '@presence-router/source': './src/index.mjs',
          import: './esm/index.mjs',
          require: './cjs/index.cjs',
        },
        './teams': './esm/teams.mjs',
        './extra/*': './esm/extra/*.mjs',
        './extra/internal/*': null,
        './unbuilt': './dist/unbuilt.js',
        './package.json': './package.json',
      },
    }),
    'node_modules/@acme/routers/esm/index.mjs':
      "export { TeamRouter } from './team-router.mjs';\nexport const version = 1;\n",
    'node_modules/@acme/routers/esm/team-router.mjs': routerModule('TeamRouter', 'esm'),
    'node_modules/@acme/routers/src/index.mjs': routerModule('TeamRouter', 'source'),
    'node_modules/@acme/routers/cjs/index.cjs': 'exports.TeamRouter = class TeamRouter {};\n',
    'node_modules/@acme/routers/esm/teams.mjs': routerModule('TeamsRouter', 'teams', true),
    'node_modules/@acme/routers/esm/extra/lobby.mjs': routerModule('LobbyRouter', 'lobby'),
    'node_modules/plain-router/package.json': packageJson({
      name: 'plain-router',
      main: 'lib/main',
    }),
    'node_modules/plain-router/lib/main.js': routerModule('PlainRouter', 'main'),
    'node_modules/index-router/package.json': packageJson({ name: 'index-router' }),
    'node_modules/index-router/index.js': routerModule('IndexRouter', 'index'),
    'node_modules/broken-router/package.json': '{ "name": "broken-router", ',
    'node_modules/marker-router/package.json': packageJson({ exports: './index.mjs' }),
    'node_modules/marker-router/index.mjs':
      'globalThis.presenceRouterMarkerImported = true;\nexport class Router {}\n',
    // A package manager's store, linked into node_modules as pnpm (or npm's file:) does.
    'store/linked-router@1.0.0/package.json': packageJson({ exports: { '.': './index.mjs' } }),
    'store/linked-router@1.0.0/index.mjs': "export { LinkedRouter } from './own.mjs';\n",
    'store/linked-router@1.0.0/own.mjs': routerModule('LinkedRouter', 'linked'),
  });
  app.link('node_modules/linked-router', join(app.dir, 'store/linked-router@1.0.0'));
  other = fixtureFolder({
    'package.json': packageJson({ name: 'other-app' }),
    'node_modules/@acme/routers/package.json': packageJson({ exports: './index.mjs' }),
    'node_modules/@acme/routers/index.mjs': routerModule('TeamRouter', 'other'),
  });
});

afterAll(() => {
  for (const folder of [app, etc, other]) folder.remove();
});

const entry = (module: string) =>
  `server_name: hs.example\npresence:\n  routing_modules:\n    - module: ${JSON.stringify(module)}\n`;

async function loadModule(module: string, options: LoadConfigOptions) {
  const config = await loadConfig(entry(module), { logger: silentLogger, ...options });
  const loaded = config.routingModules[0];
  return {
    loadedAs: (loaded?.moduleClass as { loadedAs?: string } | undefined)?.loadedAs,
    importedFrom: loaded?.importedFrom,
    resolvedFrom: loaded?.resolvedFrom,
  };
}

describe('module: packages, found from the application', () => {
  it('finds the package in the node_modules above baseDir, through its exports map', async () => {
    expect(
      await loadModule('@acme/routers.TeamRouter', {
        baseDir: join(app.dir, 'config'),
        conditions: ['node', 'import'],
      }),
    ).toEqual({
      loadedAs: 'esm',
      // The entry file (which re-exports the class from a file of its own, also imported).
      importedFrom: pathToFileURL(join(app.dir, 'node_modules/@acme/routers/esm/index.mjs')).href,
      resolvedFrom: 'import',
    });
  });

  it('finds it from the working directory when baseDir has none', async () => {
    const cwd = process.cwd();
    process.chdir(app.dir);
    try {
      const found = await loadModule('@acme/routers#TeamRouter', {
        baseDir: etc.dir,
        conditions: ['node', 'import'],
      });
      expect(found.loadedAs).toBe('esm');
      expect(found.importedFrom).toBe(
        pathToFileURL(join(app.dir, 'node_modules/@acme/routers/esm/index.mjs')).href,
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it("looks in baseDir's application before the working directory's", async () => {
    const fromBase = await resolveModuleClass('@acme/routers.TeamRouter', {
      baseDir: other.dir,
      cwd: app.dir,
      conditions: ['node', 'import'],
    });
    expect((fromBase.moduleClass as { loadedAs?: string }).loadedAs).toBe('other');
    const fromCwd = await resolveModuleClass('@acme/routers.TeamRouter', {
      baseDir: etc.dir,
      cwd: other.dir,
    });
    expect((fromCwd.moduleClass as { loadedAs?: string }).loadedAs).toBe('other');
  });

  it.each([
    ['the source condition, when given', ['node', 'import', '@presence-router/source'], 'source'],
    ['the import condition, without it', ['node', 'import'], 'esm'],
  ] as const)('reads exports with %s', async (_name, conditions, loadedAs) => {
    const found = await loadModule('@acme/routers.TeamRouter', { baseDir: app.dir, conditions });
    expect(found.loadedAs).toBe(loadedAs);
  });

  it.each([
    ['an exported subpath, default export', '@acme/routers/teams', 'teams', 'esm/teams.mjs'],
    ['a pattern subpath', '@acme/routers/extra/lobby#LobbyRouter', 'lobby', 'esm/extra/lobby.mjs'],
    ['main, with .js added (no exports)', 'plain-router.PlainRouter', 'main', 'lib/main.js'],
  ] as const)('resolves %s', async (_name, module, loadedAs, file) => {
    const found = await loadModule(module, { baseDir: app.dir, conditions: ['node', 'import'] });
    expect(found.loadedAs).toBe(loadedAs);
    const packageDir = module.startsWith('@acme') ? '@acme/routers' : 'plain-router';
    expect(found.importedFrom).toBe(
      pathToFileURL(join(app.dir, 'node_modules', packageDir, file)).href,
    );
  });

  it('resolves index.js for a package without exports or main', async () => {
    const found = await loadModule('index-router.IndexRouter', { baseDir: app.dir });
    expect(found.loadedAs).toBe('index');
  });

  it('imports a linked package from its real folder, where its own imports resolve', async () => {
    const found = await loadModule('linked-router.LinkedRouter', { baseDir: app.dir });
    expect(found.loadedAs).toBe('linked');
    expect(found.importedFrom).toBe(
      pathToFileURL(join(app.dir, 'store/linked-router@1.0.0/index.mjs')).href,
    );
  });

  it('takes a registered name without importing the installed package', async () => {
    const config = await loadConfig(entry('marker-router.Router'), {
      baseDir: app.dir,
      registry: new ModuleRegistry().register('marker-router.Router', RoomRouter),
      logger: silentLogger,
    });
    expect(config.routingModules[0]?.moduleClass).toBe(RoomRouter);
    expect(config.routingModules[0]?.importedFrom).toBeUndefined();
    expect('presenceRouterMarkerImported' in globalThis).toBe(false);
  });

  it('gives the package name to importModule instead of looking it up', async () => {
    const asked: string[] = [];
    const config = await loadConfig(entry('@acme/routers.TeamRouter'), {
      baseDir: app.dir,
      logger: silentLogger,
      importModule: async (specifier) => {
        asked.push(specifier);
        return { TeamRouter: RoomRouter };
      },
    });
    expect(asked).toEqual(['@acme/routers']);
    expect(config.routingModules[0]).toMatchObject({
      moduleClass: RoomRouter,
      importedFrom: '@acme/routers',
    });
  });
});

describe('module: packages that are not there', () => {
  it('UNKNOWN_MODULE says what was tried and how to fix it', async () => {
    const registry = new ModuleRegistry().register('audit.AuditRouter', AuditRouter);
    const error = await loadError(entry('@acme/missing.MissingRouter'), {
      baseDir: join(app.dir, 'config'),
      registry,
      sourceName: 'homeserver.yaml',
    });
    expect(error).toMatchObject({ code: 'UNKNOWN_MODULE', line: 4, column: 15 });
    expect(error.path).toBe('presence.routing_modules[0].module');
    const tried = [
      // The registry, and the names it has.
      'not in the registry (registered modules: audit.AuditRouter)',
      // The folders searched, in order.
      `there is no node_modules/@acme/missing in ${join(app.dir, 'config')} (baseDir), ${process.cwd()} (the working directory) or any folder above them.`,
      // The three ways to fix it: install in the application (the folder with package.json)...
      `npm install @acme/missing, in ${app.dir}`,
      // ...register the class...
      'new ModuleRegistry().register("@acme/missing.MissingRouter", MissingRouter)',
      // ...or import it another way.
      'importModule: (specifier) => import(specifier)',
    ];
    for (const part of tried) expect(error.detail).toContain(part);
  });

  it("the seed's Python-style name says to register it", async () => {
    const error = await loadError(entry('my_module.ExamplePresenceRouter'), { baseDir: etc.dir });
    expect(error.code).toBe('UNKNOWN_MODULE');
    expect(error.detail).toContain(
      'the package "my_module" is not installed where the application runs',
    );
    expect(error.detail).toContain(
      'new ModuleRegistry().register("my_module.ExamplePresenceRouter", ExamplePresenceRouter)',
    );
  });

  it('UNKNOWN_MODULE for a subpath the package does not export, listing what it exports', async () => {
    const error = await loadError(entry('@acme/routers/extra/internal/secret.Router'), {
      baseDir: app.dir,
      conditions: ['node', 'import'],
    });
    expect(error.code).toBe('UNKNOWN_MODULE');
    expect(error.detail).toContain(
      `the package "@acme/routers" installed in ${join(app.dir, 'node_modules/@acme/routers')} does not export "./extra/internal/secret" under the conditions node, import, default`,
    );
    expect(error.detail).toContain(
      'its exports: ".", "./teams", "./extra/*", "./unbuilt", "./package.json"',
    );
  });

  it.each([
    [
      'an exported file that does not exist (a package never built)',
      '@acme/routers/unbuilt.Router',
      (dir: string) =>
        `names the file ${join(dir, 'node_modules/@acme/routers/dist/unbuilt.js')} for "./unbuilt", which does not exist (is the package built?)`,
    ],
    [
      'an unreadable package.json',
      'broken-router.Router',
      () => 'its package.json is not valid JSON',
    ],
  ])('MODULE_LOAD_FAILED for %s', async (_name, module, detail) => {
    const error = await loadError(entry(module), { baseDir: app.dir });
    expect(error.code).toBe('MODULE_LOAD_FAILED');
    expect(error.detail).toContain(detail(app.dir));
  });

  it.each([
    ['#routers.Router', 'a package name starts with neither "." nor "#"'],
    ['@acme.Router', 'a scoped package name is @scope/name'],
    [
      'acme/../../etc/passwd.Router',
      'the path inside a package has no empty, "." or ".." segments',
    ],
    ['acme%2f.Router', 'a package name has no "\\" or "%"'],
  ])(
    'INVALID_MODULE_SPECIFIER for %s, which names no package, before any lookup',
    async (module, problem) => {
      const error = await loadError(entry(module), { baseDir: app.dir });
      expect(error.code).toBe('INVALID_MODULE_SPECIFIER');
      expect(error.detail).toContain(`names no package: ${problem}`);
    },
  );
});
