import { describe, expect, it } from 'vitest';
import { ConfigError, ModuleRegistry } from '../src/index.ts';
import { parseModuleSpecifier } from '../src/internal/module-specifier.ts';
import { AuditRouter, RoomRouter } from './support/test-modules.ts';

describe('parseModuleSpecifier', () => {
  it('splits package.ExportName at the last dot, as Synapse does', () => {
    expect(parseModuleSpecifier('my_module.ExampleRouter')).toMatchObject({
      target: 'my_module',
      exportName: 'ExampleRouter',
      spelling: 'dot',
      key: 'my_module#ExampleRouter',
    });
    expect(parseModuleSpecifier('my_module.sub.Router')).toMatchObject({
      target: 'my_module.sub',
      exportName: 'Router',
    });
    expect(parseModuleSpecifier('@acme/router.Router')).toMatchObject({
      target: '@acme/router',
      exportName: 'Router',
    });
  });

  it('reads package#ExportName, and a bare package or package# as the default export', () => {
    expect(parseModuleSpecifier('@acme/router#Router')).toMatchObject({
      target: '@acme/router',
      exportName: 'Router',
      spelling: 'hash',
      key: '@acme/router#Router',
    });
    expect(parseModuleSpecifier('@acme/router')).toMatchObject({
      target: '@acme/router',
      exportName: 'default',
      spelling: 'bare',
    });
    expect(parseModuleSpecifier('acme-router#')).toMatchObject({
      target: 'acme-router',
      exportName: 'default',
    });
    expect(parseModuleSpecifier('my.pkg#Router')).toMatchObject({
      target: 'my.pkg',
      exportName: 'Router',
    });
  });

  it('treats a file path ending in an extension as the file, not package.Export', () => {
    expect(parseModuleSpecifier('./routers/mine.mjs')).toMatchObject({
      target: './routers/mine.mjs',
      exportName: 'default',
      spelling: 'bare',
    });
    expect(parseModuleSpecifier('/etc/pr/router.ts#Router')).toMatchObject({
      target: '/etc/pr/router.ts',
      exportName: 'Router',
    });
    expect(parseModuleSpecifier('./routers/mine.mjs.Router')).toMatchObject({
      target: './routers/mine.mjs',
      exportName: 'Router',
    });
    expect(parseModuleSpecifier('../up/.hidden')).toMatchObject({
      target: '../up/.hidden',
      exportName: 'default',
    });
  });

  it('gives the same key to both spellings of one export', () => {
    expect(parseModuleSpecifier('pkg.Router')?.key).toBe(parseModuleSpecifier('pkg#Router')?.key);
    expect(parseModuleSpecifier('pkg')?.key).toBe(parseModuleSpecifier('pkg#default')?.key);
  });

  it('rejects text that names nothing', () => {
    for (const text of ['', ' ', '.Router', 'pkg.', ' pkg.Router']) {
      expect(parseModuleSpecifier(text), text).toBeUndefined();
    }
  });

  it('keeps a leading # (a Node subpath import) as part of the target', () => {
    expect(parseModuleSpecifier('#routers')).toMatchObject({
      target: '#routers',
      exportName: 'default',
    });
  });
});

describe('ModuleRegistry', () => {
  it('finds a class by either spelling and lists the names as registered', () => {
    const registry = new ModuleRegistry()
      .register('audit.AuditRouter', AuditRouter)
      .register('@acme/rooms#RoomRouter', RoomRouter);
    expect(registry.get('audit.AuditRouter')).toBe(AuditRouter);
    expect(registry.get('audit#AuditRouter')).toBe(AuditRouter);
    expect(registry.get('@acme/rooms.RoomRouter')).toBe(RoomRouter);
    expect(registry.has('audit.Other')).toBe(false);
    expect(registry.get('')).toBeUndefined();
    expect(registry.names()).toEqual(['@acme/rooms#RoomRouter', 'audit.AuditRouter']);
    expect(registry.size).toBe(2);
  });

  it('allows registering the same class twice but not a second class under one name', () => {
    const registry = new ModuleRegistry().register('audit.AuditRouter', AuditRouter);
    expect(() => registry.register('audit#AuditRouter', AuditRouter)).not.toThrow();
    expect(registry.names()).toEqual(['audit.AuditRouter']);
    expect(() => registry.register('audit#AuditRouter', RoomRouter)).toThrow(
      expect.objectContaining({ code: 'CONFLICTING_KEYS' }),
    );
  });

  it('refuses bad names and values that are not classes', () => {
    const registry = new ModuleRegistry();
    expect(() => registry.register('pkg.', AuditRouter)).toThrow(ConfigError);
    expect(() => registry.register('pkg.', AuditRouter)).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE' }),
    );
    expect(() => registry.register('pkg.X', {} as unknown as typeof AuditRouter)).toThrow(
      expect.objectContaining({ code: 'INVALID_MODULE' }),
    );
  });
});
