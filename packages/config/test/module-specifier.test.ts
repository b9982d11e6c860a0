import { describe, expect, it } from 'vitest';
import { ConfigError, ModuleRegistry } from '../src/index.ts';
import { parseModuleSpecifier, splitPackageTarget } from '../src/internal/module-specifier.ts';
import { AuditRouter, RoomRouter } from './support/test-modules.ts';

describe('parseModuleSpecifier', () => {
  it.each([
    // package.ExportName: split at the last dot, as Synapse does.
    ['my_module.ExampleRouter', 'my_module', 'ExampleRouter', 'dot'],
    ['my_module.sub.Router', 'my_module.sub', 'Router', 'dot'],
    ['@acme/router.Router', '@acme/router', 'Router', 'dot'],
    // package#ExportName, and a bare package or package# as the default export.
    ['@acme/router#Router', '@acme/router', 'Router', 'hash'],
    ['my.pkg#Router', 'my.pkg', 'Router', 'hash'],
    ['acme-router#', 'acme-router', 'default', 'hash'],
    ['@acme/router', '@acme/router', 'default', 'bare'],
    // A file path ending in an extension is the file, not package.Export.
    ['./routers/mine.mjs', './routers/mine.mjs', 'default', 'bare'],
    ['/etc/pr/router.ts#Router', '/etc/pr/router.ts', 'Router', 'hash'],
    ['./routers/mine.mjs.Router', './routers/mine.mjs', 'Router', 'dot'],
    ['../up/.hidden', '../up/.hidden', 'default', 'bare'],
    // A leading # (a Node subpath import) stays part of the target.
    ['#routers', '#routers', 'default', 'bare'],
  ] as const)('reads %s as export %s of %s', (text, target, exportName, spelling) => {
    expect(parseModuleSpecifier(text)).toEqual({
      text,
      target,
      exportName,
      spelling,
      key: `${target}#${exportName}`,
    });
  });

  it.each([
    ['pkg.Router', 'pkg#Router'],
    ['pkg', 'pkg#default'],
  ])('gives %s and %s the same key', (a, b) => {
    expect(parseModuleSpecifier(a)?.key).toBe(parseModuleSpecifier(b)?.key);
  });

  it.each(['', ' ', '.Router', 'pkg.', ' pkg.Router'])(
    'rejects %j, which names nothing',
    (text) => {
      expect(parseModuleSpecifier(text)).toBeUndefined();
    },
  );
});

describe('splitPackageTarget', () => {
  it.each([
    ['acme', 'acme', '.'],
    ['acme/routers/team', 'acme', './routers/team'],
    ['@acme/routers', '@acme/routers', '.'],
    ['@acme/routers/team.js', '@acme/routers', './team.js'],
    ['my_module.sub', 'my_module.sub', '.'],
  ])('splits %s into package %s and subpath %s', (target, name, subpath) => {
    expect(splitPackageTarget(target)).toEqual({ name, subpath });
  });

  it.each(['@acme', '@/x', '.hidden', '#routers', 'a\\b', 'a%2e', 'a/../b', 'a//b', 'a/./b'])(
    'finds no package in %s',
    (target) => {
      expect(splitPackageTarget(target)).toEqual({ problem: expect.any(String) });
    },
  );
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
