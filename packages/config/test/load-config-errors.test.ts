import { describe, expect, it } from 'vitest';
import { ModuleRegistry } from '../src/index.ts';
import { loadError } from './support/load-error.ts';
import { AuditRouter, BadParseRouter, RoomRouter } from './support/test-modules.ts';

const registry = new ModuleRegistry()
  .register('audit.AuditRouter', AuditRouter)
  .register('rooms#RoomRouter', RoomRouter)
  .register('bad.BadParseRouter', BadParseRouter);
const options = { registry, sourceName: 'homeserver.yaml' };

describe('loadConfig: YAML problems', () => {
  it('YAML_SYNTAX with the parser line and column', async () => {
    const error = await loadError('server_name: hs.example\npresence: a: b\n', options);
    expect(error).toMatchObject({ code: 'YAML_SYNTAX', line: 2, column: 11 });
    expect(error.sourceName).toBe('homeserver.yaml');
  });

  it('EMPTY_CONFIG for an empty file and a file of comments', async () => {
    expect((await loadError('', options)).code).toBe('EMPTY_CONFIG');
    const error = await loadError('# presence:\n#   enabled: true\n', options);
    expect(error).toMatchObject({ code: 'EMPTY_CONFIG', line: 1, column: 1 });
    expect(error.message).toContain('homeserver.yaml:1:1');
  });

  it('DUPLICATE_KEY for a key given twice', async () => {
    const error = await loadError(
      'presence:\n  routing_modules:\n    - module: audit.AuditRouter\n      module: rooms#RoomRouter\n',
      options,
    );
    expect(error).toMatchObject({ code: 'DUPLICATE_KEY', line: 4, column: 7 });
    expect(error.path).toBe('presence.routing_modules[0].module');
  });
});

describe('loadConfig: wrong types', () => {
  it('a top level that is not a mapping', async () => {
    const list = await loadError('- module: audit.AuditRouter\n', options);
    expect(list).toMatchObject({ code: 'INVALID_TYPE', line: 1, column: 1 });
    expect(list.path).toBe('(top level)');
    expect(list.detail).toBe(
      'expected a mapping of settings (key: value) at the top level, found a list',
    );
    const scalar = await loadError('just some text\n', options);
    expect(scalar.code).toBe('INVALID_TYPE');
    expect(scalar.detail).toContain('found the string "just some text"');
  });

  it('presence that is not a mapping', async () => {
    const error = await loadError('server_name: hs.example\npresence: true\n', options);
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 2, column: 11 });
    expect(error.path).toBe('presence');
    expect(error.detail).toBe('expected a mapping of presence settings, found the boolean true');
  });

  it('routing_modules that is not a list', async () => {
    const error = await loadError(
      'server_name: hs.example\npresence:\n  routing_modules:\n    module: audit.AuditRouter\n',
      options,
    );
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 4, column: 5 });
    expect(error.path).toBe('presence.routing_modules');
    expect(error.detail).toMatch(/^expected a list of module entries.*, found a mapping$/);
    expect(error.message).toMatch(/^homeserver\.yaml:4:5: presence\.routing_modules: expected/);
  });

  it('top-level modules that is not a list', async () => {
    const error = await loadError('modules: audit.AuditRouter\n', options);
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 1, column: 10 });
    expect(error.path).toBe('modules');
    expect(error.detail).toContain('found the string "audit.AuditRouter"');
  });

  it('an entry without module', async () => {
    const error = await loadError(
      'presence:\n  routing_modules:\n    - config:\n        auditor: "@a:hs.example"\n',
      options,
    );
    expect(error.code).toBe('INVALID_TYPE');
    expect(error.path).toBe('presence.routing_modules[0].module');
    // The key is missing: the position is the entry's.
    expect(error).toMatchObject({ line: 3, column: 7 });
    expect(error.detail).toBe(
      'missing key "module": expected a string naming the module, like my_package.MyRouter',
    );
  });

  it('an entry that is not a mapping', async () => {
    const error = await loadError('modules:\n  - audit.AuditRouter\n', options);
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 2, column: 5 });
    expect(error.path).toBe('modules[0]');
    expect(error.detail).toBe(
      'expected a mapping with "module" and optional "config", found the string "audit.AuditRouter"',
    );
  });

  it('module that is not a string', async () => {
    const error = await loadError('presence:\n  routing_modules:\n    - module: 42\n', options);
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 3, column: 15 });
    expect(error.path).toBe('presence.routing_modules[0].module');
    expect(error.detail).toContain('found the number 42');
  });

  it('module that is empty', async () => {
    const error = await loadError('presence:\n  routing_modules:\n    - module: ""\n', options);
    expect(error).toMatchObject({ code: 'INVALID_VALUE', line: 3, column: 15 });
  });

  it('config that is not a mapping', async () => {
    const error = await loadError(
      'presence:\n  routing_modules:\n    - module: audit.AuditRouter\n      config: [1, 2]\n',
      options,
    );
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 4, column: 15 });
    expect(error.path).toBe('presence.routing_modules[0].config');
    expect(error.detail).toBe(
      "expected a mapping of the module's settings (or nothing, for none), found a list",
    );
  });

  it('a legacy presence_router that is not a mapping', async () => {
    const error = await loadError('presence:\n  presence_router: audit.AuditRouter\n', options);
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 2, column: 20 });
    expect(error.path).toBe('presence.presence_router');
  });

  it('presence.enabled that is not a boolean', async () => {
    const error = await loadError('presence:\n  enabled: sometimes\n', options);
    expect(error).toMatchObject({ code: 'INVALID_VALUE', line: 2, column: 12 });
    expect(error.path).toBe('presence.enabled');
    expect(error.detail).toBe('expected true, false or "untracked", found the string "sometimes"');
    const list = await loadError('presence:\n  enabled: [true]\n', options);
    expect(list).toMatchObject({ code: 'INVALID_TYPE', line: 2, column: 12 });
    expect(list.detail).toBe('expected true, false or "untracked", found a list');
  });
});

describe('loadConfig: invalid values', () => {
  it('a room ID that is not one, in presence.exclude_rooms_from_presence', async () => {
    const error = await loadError(
      'presence:\n  exclude_rooms_from_presence:\n    - "!ok:hs.example"\n    - "#alias:hs.example"\n',
      options,
    );
    expect(error).toMatchObject({ code: 'INVALID_VALUE', line: 4, column: 7 });
    expect(error.path).toBe('presence.exclude_rooms_from_presence[1]');
    expect(error.detail).toBe('invalid room ID "#alias:hs.example": a room ID starts with "!"');
  });

  it('a room list that is not a list, at the top level (Synapse key)', async () => {
    const error = await loadError('exclude_rooms_from_presence: "!a:hs"\n', options);
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 1, column: 30 });
    expect(error.detail).toContain('expected a list of room IDs');
  });

  it('an unquoted room ID (a YAML tag)', async () => {
    const error = await loadError('exclude_rooms_from_presence:\n  - !room:hs.example\n', options);
    expect(error).toMatchObject({ code: 'INVALID_VALUE', line: 2, column: 5 });
    expect(error.path).toBe('exclude_rooms_from_presence[0]');
    expect(error.detail).toContain('quote it');
  });

  it('a server name that is not one', async () => {
    const error = await loadError('server_name: "hs example"\n', options);
    expect(error).toMatchObject({ code: 'INVALID_VALUE', line: 1, column: 14 });
    expect(error.path).toBe('server_name');
    expect(error.detail).toMatch(/^invalid server name "hs example": /);
  });

  it('a server name that is not a string', async () => {
    const error = await loadError('server_name: 8448\n', options);
    expect(error).toMatchObject({ code: 'INVALID_TYPE', line: 1, column: 14 });
    expect(error.detail).toBe(
      'expected a server name like example.org or example.org:8448, found the number 8448',
    );
  });
});

describe('loadConfig: module parseConfig', () => {
  it("relocates a parseConfig ConfigError under the entry's config, with the node's position", async () => {
    const error = await loadError(
      [
        'server_name: hs.example',
        'presence:',
        '  routing_modules:',
        '    - module: rooms#RoomRouter',
        '    - module: audit.AuditRouter',
        '      config:',
        '        auditor: "@auditor:hs.example"',
        '        rooms:',
        '          - "!a:hs.example"',
        '          - 17',
        '',
      ].join('\n'),
      options,
    );
    expect(error.code).toBe('INVALID_VALUE');
    expect(error.path).toBe('presence.routing_modules[1].config.rooms[1]');
    expect(error).toMatchObject({ line: 10, column: 13, sourceName: 'homeserver.yaml' });
    expect(error.message).toBe(
      'homeserver.yaml:10:13: presence.routing_modules[1].config.rooms[1]: expected a room ID',
    );
  });

  it('falls back to the nearest existing node when the offending key is missing', async () => {
    const error = await loadError(
      'presence:\n  routing_modules:\n    - module: audit.AuditRouter\n      config:\n        rooms: []\n',
      options,
    );
    expect(error.code).toBe('INVALID_TYPE');
    expect(error.path).toBe('presence.routing_modules[0].config.auditor');
    expect(error).toMatchObject({ line: 5, column: 9 });
  });

  it('passes {} to parseConfig when config is absent, and locates errors at the entry', async () => {
    AuditRouter.parseConfigCalls.length = 0;
    const error = await loadError('modules:\n  - module: audit.AuditRouter\n', options);
    expect(AuditRouter.parseConfigCalls).toEqual([{}]);
    expect(error.path).toBe('modules[0].config.auditor');
    expect(error).toMatchObject({ line: 2, column: 5 });
  });

  it('uses the legacy prefix for presence.presence_router', async () => {
    const error = await loadError(
      'presence:\n  presence_router:\n    module: audit.AuditRouter\n    config:\n      auditor: alice\n',
      options,
    );
    expect(error.path).toBe('presence.presence_router.config.auditor');
    expect(error).toMatchObject({ code: 'INVALID_VALUE', line: 5, column: 16 });
  });

  it('wraps any other parseConfig error as MODULE_CONFIG_FAILED naming the module', async () => {
    const error = await loadError(
      'presence:\n  routing_modules:\n    - module: bad.BadParseRouter\n      config: { a: 1 }\n',
      options,
    );
    expect(error.code).toBe('MODULE_CONFIG_FAILED');
    expect(error.path).toBe('presence.routing_modules[0].config');
    expect(error).toMatchObject({ line: 4, column: 15 });
    expect(error.detail).toContain('"bad.BadParseRouter"');
    expect(error.detail).toContain('TypeError: cannot read properties of undefined');
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});

describe('loadConfig: unknown modules', () => {
  it('UNKNOWN_MODULE lists the registered names and says what was tried', async () => {
    const error = await loadError(
      'presence:\n  routing_modules:\n    - module: nowhere_pkg_xyz.Router\n',
      options,
    );
    expect(error.code).toBe('UNKNOWN_MODULE');
    expect(error.path).toBe('presence.routing_modules[0].module');
    expect(error).toMatchObject({ line: 3, column: 15 });
    expect(error.detail).toContain(
      'registered modules: audit.AuditRouter, bad.BadParseRouter, rooms#RoomRouter',
    );
    expect(error.detail).toContain(
      'the package "nowhere_pkg_xyz" is not installed where the application runs',
    );
  });

  it('says no modules are registered when the registry is empty or absent', async () => {
    const error = await loadError('modules:\n  - module: nowhere_pkg_xyz#Router\n', {});
    expect(error.code).toBe('UNKNOWN_MODULE');
    expect(error.detail).toContain('no modules are registered');
  });
});
