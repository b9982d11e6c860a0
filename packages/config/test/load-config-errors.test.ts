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

/** One refused configuration: where the error is and what it says. */
interface ErrorCase {
  readonly name: string;
  readonly yaml: string;
  readonly code: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  /** The whole detail, or (as a RegExp) a pattern it matches. */
  readonly detail: string | RegExp;
}

const WRONG_TYPES: readonly ErrorCase[] = [
  {
    name: 'a top level that is a list',
    yaml: '- module: audit.AuditRouter\n',
    code: 'INVALID_TYPE',
    line: 1,
    column: 1,
    path: '(top level)',
    detail: 'expected a mapping of settings (key: value) at the top level, found a list',
  },
  {
    name: 'a top level that is a string',
    yaml: 'just some text\n',
    code: 'INVALID_TYPE',
    line: 1,
    column: 1,
    path: '(top level)',
    detail: /found the string "just some text"$/,
  },
  {
    name: 'presence that is not a mapping',
    yaml: 'server_name: hs.example\npresence: true\n',
    code: 'INVALID_TYPE',
    line: 2,
    column: 11,
    path: 'presence',
    detail: 'expected a mapping of presence settings, found the boolean true',
  },
  {
    name: 'routing_modules that is not a list',
    yaml: 'server_name: hs.example\npresence:\n  routing_modules:\n    module: audit.AuditRouter\n',
    code: 'INVALID_TYPE',
    line: 4,
    column: 5,
    path: 'presence.routing_modules',
    detail: /^expected a list of module entries.*, found a mapping$/,
  },
  {
    name: 'top-level modules that is not a list',
    yaml: 'modules: audit.AuditRouter\n',
    code: 'INVALID_TYPE',
    line: 1,
    column: 10,
    path: 'modules',
    detail: /found the string "audit\.AuditRouter"$/,
  },
  {
    // The key is missing: the position is the entry's.
    name: 'an entry without module',
    yaml: 'presence:\n  routing_modules:\n    - config:\n        auditor: "@a:hs.example"\n',
    code: 'INVALID_TYPE',
    line: 3,
    column: 7,
    path: 'presence.routing_modules[0].module',
    detail: 'missing key "module": expected a string naming the module, like my_package.MyRouter',
  },
  {
    name: 'an entry that is not a mapping',
    yaml: 'modules:\n  - audit.AuditRouter\n',
    code: 'INVALID_TYPE',
    line: 2,
    column: 5,
    path: 'modules[0]',
    detail:
      'expected a mapping with "module" and optional "config", found the string "audit.AuditRouter"',
  },
  {
    name: 'module that is not a string',
    yaml: 'presence:\n  routing_modules:\n    - module: 42\n',
    code: 'INVALID_TYPE',
    line: 3,
    column: 15,
    path: 'presence.routing_modules[0].module',
    detail: /found the number 42$/,
  },
  {
    name: 'module that is empty',
    yaml: 'presence:\n  routing_modules:\n    - module: ""\n',
    code: 'INVALID_VALUE',
    line: 3,
    column: 15,
    path: 'presence.routing_modules[0].module',
    detail: 'expected a module name like my_package.MyRouter, found an empty string',
  },
  {
    name: 'config that is not a mapping',
    yaml: 'presence:\n  routing_modules:\n    - module: audit.AuditRouter\n      config: [1, 2]\n',
    code: 'INVALID_TYPE',
    line: 4,
    column: 15,
    path: 'presence.routing_modules[0].config',
    detail: "expected a mapping of the module's settings (or nothing, for none), found a list",
  },
  {
    name: 'a legacy presence_router that is not a mapping',
    yaml: 'presence:\n  presence_router: audit.AuditRouter\n',
    code: 'INVALID_TYPE',
    line: 2,
    column: 20,
    path: 'presence.presence_router',
    detail:
      'expected a mapping with "module" and optional "config", found the string "audit.AuditRouter"',
  },
  {
    name: 'presence.enabled that is a string other than "untracked"',
    yaml: 'presence:\n  enabled: sometimes\n',
    code: 'INVALID_VALUE',
    line: 2,
    column: 12,
    path: 'presence.enabled',
    detail: 'expected true, false or "untracked", found the string "sometimes"',
  },
  {
    name: 'presence.enabled that is a list',
    yaml: 'presence:\n  enabled: [true]\n',
    code: 'INVALID_TYPE',
    line: 2,
    column: 12,
    path: 'presence.enabled',
    detail: 'expected true, false or "untracked", found a list',
  },
];

const INVALID_VALUES: readonly ErrorCase[] = [
  {
    name: 'a room ID that is not one, in presence.exclude_rooms_from_presence',
    yaml: 'presence:\n  exclude_rooms_from_presence:\n    - "!ok:hs.example"\n    - "#alias:hs.example"\n',
    code: 'INVALID_VALUE',
    line: 4,
    column: 7,
    path: 'presence.exclude_rooms_from_presence[1]',
    detail: 'invalid room ID "#alias:hs.example": a room ID starts with "!"',
  },
  {
    name: 'a room list that is not a list, at the top level (Synapse key)',
    yaml: 'exclude_rooms_from_presence: "!a:hs"\n',
    code: 'INVALID_TYPE',
    line: 1,
    column: 30,
    path: 'exclude_rooms_from_presence',
    detail: /^expected a list of room IDs/,
  },
  {
    name: 'an unquoted room ID (a YAML tag)',
    yaml: 'exclude_rooms_from_presence:\n  - !room:hs.example\n',
    code: 'INVALID_VALUE',
    line: 2,
    column: 5,
    path: 'exclude_rooms_from_presence[0]',
    detail: /quote it/,
  },
  {
    name: 'a server name that is not one',
    yaml: 'server_name: "hs example"\n',
    code: 'INVALID_VALUE',
    line: 1,
    column: 14,
    path: 'server_name',
    detail: /^invalid server name "hs example": /,
  },
  {
    name: 'a server name that is not a string',
    yaml: 'server_name: 8448\n',
    code: 'INVALID_TYPE',
    line: 1,
    column: 14,
    path: 'server_name',
    detail: 'expected a server name like example.org or example.org:8448, found the number 8448',
  },
];

describe.each([
  ['wrong types', WRONG_TYPES],
  ['invalid values', INVALID_VALUES],
])('loadConfig: %s', (_group, cases) => {
  it.each(cases)('$name', async ({ yaml, code, line, column, path, detail }) => {
    const error = await loadError(yaml, options);
    expect(error).toMatchObject({ code, line, column, sourceName: 'homeserver.yaml' });
    expect(error.message).toMatch(new RegExp(`^homeserver\\.yaml:${line}:${column}: `));
    expect(error.path).toBe(path);
    expect(error.detail).toEqual(
      typeof detail === 'string' ? detail : expect.stringMatching(detail),
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
