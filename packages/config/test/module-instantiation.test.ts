import {
  ALL_USERS,
  ModuleRegistrationError,
  silentLogger,
  userPresenceState,
} from '@presence-router/core';
import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, ModuleRegistry } from '../src/index.ts';
import {
  AuditRouter,
  CheckingConstructorRouter,
  ExplodingRouter,
  HalfMethodRouter,
  HalfPairRouter,
  RegisteringRouter,
  RoomRouter,
  SpamChecker,
} from './support/test-modules.ts';

const registry = new ModuleRegistry()
  .register('audit.AuditRouter', AuditRouter)
  .register('rooms.RoomRouter', RoomRouter)
  .register('registering.RegisteringRouter', RegisteringRouter)
  .register('half.HalfPairRouter', HalfPairRouter)
  .register('half.HalfMethodRouter', HalfMethodRouter)
  .register('spam.SpamChecker', SpamChecker)
  .register('boom.ExplodingRouter', ExplodingRouter)
  .register('checking.CheckingConstructorRouter', CheckingConstructorRouter);

function hostApi() {
  const sent: string[][] = [];
  return {
    sent,
    api: {
      serverName: 'hs.example',
      sendLocalOnlinePresenceTo: async (users: Iterable<string>) => {
        sent.push([...users]);
      },
    },
  };
}

async function load(text: string) {
  return loadConfig(text, { registry, logger: silentLogger, sourceName: 'hs.yaml' });
}

function instantiationError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('LoadedConfig.instantiateModules', () => {
  it('constructs each class with (config, moduleApi): instances with methods are the modules', async () => {
    const config = await load(
      [
        'presence:',
        '  routing_modules:',
        '    - module: audit.AuditRouter',
        '      config: { auditor: "@auditor:hs.example" }',
        '    - module: rooms.RoomRouter',
        '      config: { room: "!lobby:hs.example" }',
      ].join('\n'),
    );
    const { api } = hostApi();
    const modules = config.instantiateModules(api);
    expect(modules).toHaveLength(2);
    const [audit, rooms] = modules;
    expect(audit).toBeInstanceOf(AuditRouter);
    expect(rooms).toBeInstanceOf(RoomRouter);
    expect((audit as AuditRouter).config).toEqual({ auditor: '@auditor:hs.example', rooms: [] });
    expect((audit as AuditRouter).api.serverName).toBe('hs.example');
    expect((rooms as RoomRouter).room).toBe('!lobby:hs.example');
    const state = userPresenceState('@alice:hs.example', { state: 'online' });
    expect(await audit?.getUsersForStates?.([state])).toEqual(
      new Map([['@auditor:hs.example', [state]]]),
    );
    expect(await audit?.getInterestedUsers?.('@auditor:hs.example')).toBe(ALL_USERS);
  });

  it('turns callbacks registered through the module API into routing modules', async () => {
    const config = await load(
      'modules:\n  - module: registering.RegisteringRouter\n    config: { send_to: "@w:hs.example" }\n',
    );
    const { api, sent } = hostApi();
    RegisteringRouter.instances.length = 0;
    const modules = config.instantiateModules(api);
    expect(modules).toHaveLength(1);
    expect(modules[0]).not.toBeInstanceOf(RegisteringRouter);
    expect(modules[0]?.moduleName).toBe('registering.RegisteringRouter (modules[0])');
    const state = userPresenceState('@alice:hs.example', { state: 'online' });
    expect(await modules[0]?.getUsersForStates?.([state])).toEqual({ '@w:hs.example': [state] });
    expect(await modules[0]?.getInterestedUsers?.('@w:hs.example')).toBe('ALL');

    // The module API forwards to the host.
    await RegisteringRouter.instances[0]?.poke(['@bob:hs.example']);
    expect(sent).toEqual([['@bob:hs.example']]);
  });

  it('constructs new instances on every call', async () => {
    const config = await load('modules:\n  - module: registering.RegisteringRouter\n');
    RegisteringRouter.instances.length = 0;
    config.instantiateModules(hostApi().api);
    config.instantiateModules(hostApi().api);
    expect(RegisteringRouter.instances).toHaveLength(2);
    expect(RegisteringRouter.instances[0]).not.toBe(RegisteringRouter.instances[1]);
  });

  it('skips a modules: entry that routes no presence, with a located warning', async () => {
    const config = await load(
      'server_name: hs.example\nmodules:\n  - module: spam.SpamChecker\n  - module: registering.RegisteringRouter\n',
    );
    const logger = new RecordingLogger();
    const { modules, warnings } = config.instantiate(hostApi().api, logger);
    expect(modules).toHaveLength(1);
    expect(modules[0]?.moduleName).toBe('registering.RegisteringRouter (modules[1])');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      path: 'modules[0]',
      line: 3,
      column: 5,
      sourceName: 'hs.yaml',
    });
    expect(warnings[0]?.message).toContain('"spam.SpamChecker" is not a presence router');
    expect(warnings[0]?.message).toMatch(/skipped$/);
    expect(logger.messages('warn')).toEqual([
      expect.stringContaining('hs.yaml:3:5: modules[0]: module "spam.SpamChecker"'),
    ]);
  });

  it('refuses a routing_modules entry that routes no presence', async () => {
    const config = await load('presence:\n  routing_modules:\n    - module: spam.SpamChecker\n');
    const error = instantiationError(() => config.instantiateModules(hostApi().api));
    expect(error).toMatchObject({ code: 'INVALID_MODULE', line: 3, column: 7 });
    expect(error.path).toBe('presence.routing_modules[0]');
    expect(error.detail).toContain('is not a presence router');
  });

  it('refuses a module registering only one callback of the pair, with the core error as cause', async () => {
    const config = await load('modules:\n  - module: half.HalfPairRouter\n');
    const error = instantiationError(() => config.instantiateModules(hostApi().api));
    expect(error).toMatchObject({ code: 'INVALID_MODULE', line: 2, column: 5 });
    expect(error.path).toBe('modules[0]');
    expect(error.detail).toContain('registered getUsersForStates alone');
    expect(error.cause).toBeInstanceOf(ModuleRegistrationError);
    expect((error.cause as ModuleRegistrationError).code).toBe('CALLBACK_PAIR_REQUIRED');
  });

  it('refuses an instance with only getInterestedUsers', async () => {
    const config = await load('presence:\n  presence_router:\n    module: half.HalfMethodRouter\n');
    const error = instantiationError(() => config.instantiateModules(hostApi().api));
    expect(error.code).toBe('INVALID_MODULE');
    expect(error.path).toBe('presence.presence_router');
    expect(error.detail).toContain('getInterestedUsers without getUsersForStates');
    expect(error.cause).toBeInstanceOf(ModuleRegistrationError);
  });

  it("relocates a constructor's ConfigError under the entry's config, at the node", async () => {
    const config = await load(
      'modules:\n  - module: checking.CheckingConstructorRouter\n    config:\n      limit: "ten"\n',
    );
    const error = instantiationError(() => config.instantiateModules(hostApi().api));
    expect(error).toMatchObject({
      code: 'INVALID_TYPE',
      line: 4,
      column: 14,
      sourceName: 'hs.yaml',
    });
    expect(error.path).toBe('modules[0].config.limit');
  });

  it('reports a constructor that throws as MODULE_INIT_FAILED with the cause', async () => {
    const config = await load('modules:\n  - module: boom.ExplodingRouter\n');
    const error = instantiationError(() => config.instantiateModules(hostApi().api));
    expect(error).toMatchObject({ code: 'MODULE_INIT_FAILED', line: 2, column: 5 });
    expect(error.detail).toContain('cannot reach the database');
    expect((error.cause as Error).message).toBe('cannot reach the database');
  });
});
