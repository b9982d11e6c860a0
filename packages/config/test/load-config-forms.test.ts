import { silentLogger } from '@presence-router/core';
import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import { loadConfig, ModuleRegistry } from '../src/index.ts';
import { LoadedConfig } from '../src/loaded-config.ts';
import { AuditRouter, RegisteringRouter, RoomRouter, SpamChecker } from './support/test-modules.ts';

const registry = new ModuleRegistry()
  .register('audit.AuditRouter', AuditRouter)
  .register('rooms#RoomRouter', RoomRouter)
  .register('registering.RegisteringRouter', RegisteringRouter)
  .register('synapse_spam.SpamChecker', SpamChecker);

const ALL_FORMS = [
  'server_name: hs.example',
  'modules:',
  '  - module: synapse_spam.SpamChecker',
  '    config: { strict: true }',
  '  - module: registering#RegisteringRouter',
  'presence:',
  '  enabled: true',
  '  routing_modules:',
  '    - module: rooms.RoomRouter',
  '      config: { room: "!lobby:hs.example" }',
  '    - module: audit#AuditRouter',
  '      config:',
  '        auditor: "@auditor:hs.example"',
  '  presence_router:',
  '    module: audit.AuditRouter',
  '    config: { auditor: "@legacy:hs.example" }',
  '',
].join('\n');

describe('loadConfig: the three forms', () => {
  it('reads routing_modules, the legacy presence_router and modules:, in that documented order', async () => {
    const config = await loadConfig(ALL_FORMS, { registry, logger: silentLogger });
    expect(config).toBeInstanceOf(LoadedConfig);
    expect(config.serverName).toBe('hs.example');
    expect(config.routingModules.map((m) => [m.origin, m.path, m.module])).toEqual([
      ['presence_router', 'presence.presence_router', 'audit.AuditRouter'],
      ['routing_modules', 'presence.routing_modules[0]', 'rooms.RoomRouter'],
      ['routing_modules', 'presence.routing_modules[1]', 'audit#AuditRouter'],
      ['modules', 'modules[0]', 'synapse_spam.SpamChecker'],
      ['modules', 'modules[1]', 'registering#RegisteringRouter'],
    ]);
    expect(config.routingModules.map((m) => m.moduleClass)).toEqual([
      AuditRouter,
      RoomRouter,
      AuditRouter,
      SpamChecker,
      RegisteringRouter,
    ]);
    expect(config.routingModules.every((m) => m.resolvedFrom === 'registry')).toBe(true);
    expect(config.routingModules.map((m) => [m.line, m.column])).toEqual([
      [15, 5],
      [9, 7],
      [11, 7],
      [3, 5],
      [5, 5],
    ]);
    expect(config.warnings).toEqual([]);
  });

  it('holds what parseConfig returned, the raw mapping without one, and {} without config', async () => {
    const config = await loadConfig(ALL_FORMS, { registry, logger: silentLogger });
    const [legacy, rooms, audit, spam, registering] = config.routingModules;
    expect(legacy?.config).toEqual({ auditor: '@legacy:hs.example', rooms: [] });
    expect(rooms?.config).toEqual({ room: '!lobby:hs.example' });
    expect(audit?.config).toEqual({ auditor: '@auditor:hs.example', rooms: [] });
    expect(audit?.rawConfig).toEqual({ auditor: '@auditor:hs.example' });
    expect(spam?.config).toEqual({ strict: true });
    expect(registering?.config).toEqual({});
  });

  it('keeps rawConfig as written when parseConfig changes its input', async () => {
    class MutatingRouter {
      static parseConfig(raw: Record<string, unknown>) {
        raw.added = true;
        return raw;
      }
      getRoomsAndUsersForStates() {
        return [{}, {}];
      }
    }
    const config = await loadConfig(
      'modules:\n  - module: m.MutatingRouter\n    config: { a: 1 }\n',
      {
        registry: new ModuleRegistry().register('m.MutatingRouter', MutatingRouter),
        logger: silentLogger,
      },
    );
    expect(config.routingModules[0]?.config).toEqual({ a: 1, added: true });
    expect(config.routingModules[0]?.rawConfig).toEqual({ a: 1 });
  });

  it('treats an empty config: or presence_router: as nothing, like Synapse', async () => {
    const config = await loadConfig(
      'presence:\n  presence_router: {}\n  routing_modules:\n    - module: registering.RegisteringRouter\n      config:\n',
      { registry, logger: silentLogger },
    );
    expect(config.routingModules).toHaveLength(1);
    expect(config.routingModules[0]?.config).toEqual({});
  });

  it('accepts a configuration without presence or modules', async () => {
    const config = await loadConfig('server_name: hs.example\n', { logger: silentLogger });
    expect(config.routingModules).toEqual([]);
    expect(config.presenceEnabled).toBe(true);
    expect(config.excludeRoomsFromPresence).toEqual([]);
  });
});

describe('loadConfig: presence settings', () => {
  it('reads exclude_rooms_from_presence from the top level (Synapse) and presence, each room once', async () => {
    const config = await loadConfig(
      [
        'exclude_rooms_from_presence: ["!big:hs.example", "!dir:hs.example"]',
        'presence:',
        '  exclude_rooms_from_presence:',
        '    - "!dir:hs.example"',
        '    - "!v12roomwithoutserver"',
      ].join('\n'),
      { logger: silentLogger },
    );
    expect(config.excludeRoomsFromPresence).toEqual([
      '!big:hs.example',
      '!dir:hs.example',
      '!v12roomwithoutserver',
    ]);
  });

  it('reads presence.enabled, "untracked" and the legacy use_presence', async () => {
    const read = (text: string) => loadConfig(text, { logger: silentLogger });
    expect((await read('presence:\n  enabled: false\n')).presenceEnabled).toBe(false);
    expect((await read('presence:\n  enabled: no\n')).presenceEnabled).toBe(false);
    const untracked = await read('presence:\n  enabled: untracked\n');
    expect([untracked.presenceEnabled, untracked.presenceUntracked]).toEqual([true, true]);
    expect((await read('use_presence: false\n')).presenceEnabled).toBe(false);
    expect((await read('use_presence: false\npresence:\n  enabled: true\n')).presenceEnabled).toBe(
      true,
    );
  });
});

describe('loadConfig: unknown keys', () => {
  it('warns about unknown keys inside presence and module entries, with positions, through the logger', async () => {
    const logger = new RecordingLogger();
    const config = await loadConfig(
      [
        'server_name: hs.example',
        'presence:',
        '  enabeld: true',
        '  include_offline_users_on_sync: true',
        '  routing_modules:',
        '    - module: registering.RegisteringRouter',
        '      confg: { send_to: "@x:hs.example" }',
        '',
      ].join('\n'),
      { registry, logger, sourceName: 'hs.yaml' },
    );
    expect(config.warnings.map((w) => [w.path, w.line, w.column])).toEqual([
      ['presence.enabeld', 3, 3],
      ['presence.routing_modules[0].confg', 7, 7],
    ]);
    expect(config.warnings[0]?.message).toContain('unknown key "enabeld" in presence is ignored');
    expect(config.warnings[0]?.message).toContain('"enabled"');
    expect(config.warnings[0]?.sourceName).toBe('hs.yaml');
    expect(logger.messages('warn')).toEqual([
      expect.stringContaining('hs.yaml:3:3: presence.enabeld: unknown key "enabeld"'),
      expect.stringContaining('hs.yaml:7:7: presence.routing_modules[0].confg: unknown key'),
    ]);
  });

  it('ignores unknown top-level keys silently', async () => {
    const logger = new RecordingLogger();
    const config = await loadConfig(
      'server_name: hs.example\nlisteners: [{ port: 8008 }]\ndatabase: { name: psycopg2 }\n',
      { logger },
    );
    expect(config.warnings).toEqual([]);
    expect(logger.lines).toEqual([]);
  });
});
