/**
 * `module:` takes package names and file paths only: a URL such as `data:text/javascript,...`
 * would make loading (or `check`-ing) a configuration run code written in the configuration.
 */
import { pathToFileURL } from 'node:url';
import { silentLogger } from '@presence-router/core';
import { describe, expect, it } from 'vitest';
import { loadConfig, ModuleRegistry } from '../src/index.ts';
import { resolveModuleClass } from '../src/internal/module-resolution.ts';
import { loadError } from './support/load-error.ts';
import { AuditRouter } from './support/test-modules.ts';

/** An importer that records what it is asked and imports nothing. */
function recordingImporter(): { asked: string[]; importModule: (s: string) => Promise<never> } {
  const asked: string[] = [];
  return {
    asked,
    importModule: async (specifier) => {
      asked.push(specifier);
      throw new Error(`Cannot find package '${specifier}'`);
    },
  };
}

const URLS = [
  'data:text/javascript,export default class {}',
  'http://evil.example/router.mjs',
  'https://evil.example/router.mjs#Router',
  'node:child_process.exec',
  'blob:nodedata:1234',
  'javascript:void(0)',
  'npm:left-pad',
  'jsr:@std/path',
  'ftp://evil.example/router.mjs',
  'Data:text/javascript,1',
];

describe('module: URLs', () => {
  it.each(URLS)('refuses %s with INVALID_MODULE_SPECIFIER, importing nothing', async (url) => {
    const { asked, importModule } = recordingImporter();
    const error = await loadError(
      `server_name: hs.example\npresence:\n  routing_modules:\n    - module: ${JSON.stringify(url)}\n`,
      { importModule, sourceName: 'hs.yaml' },
    );
    expect(error).toMatchObject({ code: 'INVALID_MODULE_SPECIFIER', line: 4, column: 15 });
    expect(error.path).toBe('presence.routing_modules[0].module');
    expect(error.detail).toContain('package name');
    expect(error.detail).toContain('file path');
    expect(asked).toEqual([]);
  });

  it('never runs the code of a data: URL', async () => {
    const marker = `presenceRouterDataUrlRan${Date.now()}`;
    const url = `data:text/javascript,globalThis[${JSON.stringify(marker)}]=true;export default class {}`;
    const error = await loadError(`modules:\n  - module: '${url}'\n`);
    expect(error.code).toBe('INVALID_MODULE_SPECIFIER');
    expect(error).toMatchObject({ line: 2, column: 13 });
    expect(marker in globalThis).toBe(false);
  });

  it('refuses in resolveModuleClass too, before any import', async () => {
    const { asked, importModule } = recordingImporter();
    await expect(
      resolveModuleClass('https://x.example/r.mjs', { importModule }),
    ).rejects.toMatchObject({
      code: 'INVALID_MODULE_SPECIFIER',
    });
    expect(asked).toEqual([]);
  });

  it('still takes packages, file paths, file: URLs and Windows drive paths', async () => {
    const { asked, importModule } = recordingImporter();
    const fixture = new URL('./fixtures/routers.mjs', import.meta.url);
    const fromUrl = await resolveModuleClass(
      `${pathToFileURL(fixture.pathname).href}#FixtureRouter`,
    );
    expect(fromUrl.moduleClass.name).toBe('FixtureRouter');
    await expect(
      resolveModuleClass('@acme/routers.Router', { importModule }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_MODULE' });
    // On POSIX a drive path is a (missing) relative file: looked for, never imported.
    await expect(
      resolveModuleClass('C:\\routers\\mine.mjs', { importModule }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_MODULE' });
    expect(asked).toEqual(['@acme/routers']);
  });

  it('takes a registered name, which is never imported, whatever it looks like', async () => {
    const registry = new ModuleRegistry().register('npm:audit.AuditRouter', AuditRouter);
    const config = await loadConfig(
      'modules:\n  - module: npm:audit.AuditRouter\n    config: { auditor: "@a:hs" }\n',
      {
        registry,
        logger: silentLogger,
      },
    );
    expect(config.routingModules[0]?.moduleClass).toBe(AuditRouter);
  });
});
