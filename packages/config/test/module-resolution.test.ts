import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { silentLogger } from '@presence-router/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig, ModuleRegistry } from '../src/index.ts';
import { importTargetOf } from '../src/internal/module-import.ts';
import { resolveModuleClass } from '../src/internal/module-resolution.ts';
import { AuditRouter } from './support/test-modules.ts';

const testDir = fileURLToPath(new URL('.', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

async function resolutionError(text: string, options = {}): Promise<ConfigError> {
  try {
    await resolveModuleClass(text, { baseDir: testDir, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveModuleClass: registry first, then import()', () => {
  it('takes the registered class even when a file of that name exists', async () => {
    const registry = new ModuleRegistry().register(
      './fixtures/routers.mjs#FixtureRouter',
      AuditRouter,
    );
    const fromRegistry = await resolveModuleClass('./fixtures/routers.mjs.FixtureRouter', {
      registry,
      baseDir: testDir,
    });
    expect(fromRegistry.from).toBe('registry');
    expect(fromRegistry.moduleClass).toBe(AuditRouter);

    const imported = await resolveModuleClass('./fixtures/routers.mjs.FixtureRouter', {
      baseDir: testDir,
    });
    expect(imported.from).toBe('import');
    expect(imported.moduleClass.name).toBe('FixtureRouter');
    expect(imported.imported).toBe(pathToFileURL(join(fixtures, 'routers.mjs')).href);
  });

  it('imports both spellings and a bare file for its default export', async () => {
    const dot = await resolveModuleClass('./fixtures/routers.mjs.FixtureRouter', {
      baseDir: testDir,
    });
    const hash = await resolveModuleClass('./fixtures/routers.mjs#FixtureRouter', {
      baseDir: testDir,
    });
    const bare = await resolveModuleClass('./fixtures/routers.mjs', { baseDir: testDir });
    expect(hash.moduleClass).toBe(dot.moduleClass);
    expect(bare.moduleClass.name).toBe('DefaultRouter');
  });

  it('resolves relative paths against a baseDir given as a path or a URL', async () => {
    const byPath = await resolveModuleClass('./routers.mjs#FixtureRouter', { baseDir: fixtures });
    const byUrl = await resolveModuleClass('./routers.mjs#FixtureRouter', {
      baseDir: new URL('./fixtures', import.meta.url),
    });
    expect(byUrl.moduleClass).toBe(byPath.moduleClass);
    expect(importTargetOf('../x.mjs', '/etc/pr/conf')).toBe('file:///etc/pr/x.mjs');
    expect(importTargetOf('/abs/x.mjs')).toBe('file:///abs/x.mjs');
    expect(importTargetOf('some-package')).toBe('some-package');
  });

  it('imports a TypeScript module file', async () => {
    const resolved = await resolveModuleClass('./fixtures/typed-router.ts#TypedRouter', {
      baseDir: testDir,
    });
    expect(resolved.moduleClass.name).toBe('TypedRouter');
  });

  it("imports a package by name from baseDir's node_modules", async () => {
    const resolved = await resolveModuleClass('zod.ZodError', { baseDir: testDir });
    expect(resolved.from).toBe('import');
    expect(resolved.moduleClass).toBe(z.ZodError);
  });

  it("uses the caller's importer for packages when given one", async () => {
    const asked: string[] = [];
    const resolved = await resolveModuleClass('@acme/routers.Router', {
      importModule: async (specifier) => {
        asked.push(specifier);
        return { Router: AuditRouter };
      },
    });
    expect(asked).toEqual(['@acme/routers']);
    expect(resolved.moduleClass).toBe(AuditRouter);
  });
});

describe('resolveModuleClass: failures', () => {
  const registry = new ModuleRegistry().register('audit.AuditRouter', AuditRouter);

  it.each([
    [
      'UNKNOWN_MODULE for a missing file, naming the file and baseDir',
      './fixtures/missing-router.mjs#Router',
      'UNKNOWN_MODULE',
      [
        'not in the registry (registered modules: audit.AuditRouter)',
        `there is no file ${join(fixtures, 'missing-router.mjs')} (a relative path is resolved against baseDir, ${resolve(testDir)})`,
        'correct the path, or register its class',
      ],
    ],
    [
      'UNKNOWN_MODULE for a missing export, listing the exports',
      './fixtures/routers.mjs#Nope',
      'UNKNOWN_MODULE',
      ['has no export "Nope" (its exports: FixtureRouter, default, notAClass)'],
    ],
    [
      'UNKNOWN_MODULE for a package subpath the package does not export',
      'zod/no-such-subpath#Router',
      'UNKNOWN_MODULE',
      ['the package "zod" installed in', 'does not export "./no-such-subpath"'],
    ],
    [
      'INVALID_MODULE for an export that is not a class',
      './fixtures/routers.mjs#notAClass',
      'INVALID_MODULE',
      ['is number, expected a class'],
    ],
    [
      'MODULE_LOAD_FAILED (not UNKNOWN_MODULE) when the module exists but its import is missing',
      './fixtures/imports-missing.mjs#Router',
      'MODULE_LOAD_FAILED',
      ['presence-router-no-such-package-dependency'],
    ],
    [
      'INVALID_VALUE for a specifier that names nothing',
      'pkg.',
      'INVALID_VALUE',
      ['"pkg." names no module'],
    ],
  ] as const)('%s', async (_name, specifier, code, parts) => {
    const error = await resolutionError(specifier, { registry });
    expect(error.code).toBe(code);
    for (const part of parts) expect(error.detail).toContain(part);
  });

  it('MODULE_LOAD_FAILED with the cause for a module that throws while loading', async () => {
    const error = await resolutionError('./fixtures/throws-on-import.mjs#X');
    expect(error.code).toBe('MODULE_LOAD_FAILED');
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toBe('fixture refuses to load');
    expect(error.detail).toContain('fixture refuses to load');
  });

  it.each([
    [
      'MODULE_LOAD_FAILED when a package dependency is missing',
      "Cannot find package 'left-pad' imported from /x/node_modules/@acme/routers/index.js",
      'MODULE_LOAD_FAILED',
    ],
    [
      'UNKNOWN_MODULE when the package itself is missing',
      "Cannot find package '@acme/routers' imported from /x/app.js",
      'UNKNOWN_MODULE',
    ],
  ])('importModule failures: %s', async (_name, message, code) => {
    const failure = Object.assign(new Error(message), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await resolutionError('@acme/routers.Router', {
      importModule: async () => {
        throw failure;
      },
    });
    expect(error.code).toBe(code);
    expect(error.cause).toBe(failure);
  });

  it('UNKNOWN_MODULE from importModule says the importer found nothing and how to fix it', async () => {
    const error = await resolutionError('@acme/routers.Router', {
      importModule: async () => {
        throw new Error("Cannot find package '@acme/routers'");
      },
    });
    expect(error.detail).toContain('the importModule function found no package "@acme/routers"');
    expect(error.detail).toContain('install the package where importModule imports from');
  });
});

describe('loadConfig with modules on disk', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'presence-router-config-'));
    writeFileSync(
      join(dir, 'local-router.mjs'),
      [
        'export class LocalRouter {',
        '  static parseConfig(raw) { return { target: raw.target ?? "@local:hs.example", checked: true }; }',
        '  constructor(config) { this.config = config; }',
        '  getUsersForStates(states) { return { [this.config.target]: states }; }',
        '  getInterestedUsers() { return []; }',
        '}',
      ].join('\n'),
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a temp module by absolute path and relative to baseDir, running its parseConfig', async () => {
    const absolute = await loadConfig(
      `presence:\n  routing_modules:\n    - module: ${join(dir, 'local-router.mjs')}#LocalRouter\n`,
      { logger: silentLogger },
    );
    expect(absolute.routingModules[0]?.resolvedFrom).toBe('import');
    expect(absolute.routingModules[0]?.config).toEqual({
      target: '@local:hs.example',
      checked: true,
    });

    const relative = await loadConfig(
      'modules:\n  - module: ./local-router.mjs.LocalRouter\n    config: { target: "@t:hs.example" }\n',
      { logger: silentLogger, baseDir: dir },
    );
    expect(relative.routingModules[0]?.moduleClass).toBe(absolute.routingModules[0]?.moduleClass);
    expect(relative.routingModules[0]?.config).toEqual({ target: '@t:hs.example', checked: true });
  });

  it('locates an import failure at the module key', async () => {
    try {
      await loadConfig('server_name: hs.example\nmodules:\n  - module: ./nope.mjs#Router\n', {
        logger: silentLogger,
        baseDir: dir,
        sourceName: 'hs.yaml',
      });
      expect.unreachable('loadConfig should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'UNKNOWN_MODULE', line: 3, column: 13 });
      expect((error as ConfigError).path).toBe('modules[0].module');
    }
  });
});
