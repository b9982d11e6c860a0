import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_USERS, PresenceRouter, silentLogger, userPresenceState } from '@presence-router/core';
import { FixedMembership, RecordingLogger } from '@presence-router/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadConfigFile, ModuleRegistry } from '../src/index.ts';
import {
  AuditRouter,
  FailingRouter,
  RegisteringRouter,
  RoomRouter,
  SpamChecker,
} from './support/test-modules.ts';

const registry = new ModuleRegistry()
  .register('audit.AuditRouter', AuditRouter)
  .register('rooms.RoomRouter', RoomRouter)
  .register('registering.RegisteringRouter', RegisteringRouter)
  .register('failing.FailingRouter', FailingRouter)
  .register('spam.SpamChecker', SpamChecker);

const HOMESERVER_YAML = [
  'server_name: hs.example',
  'exclude_rooms_from_presence: ["!big:hs.example"]',
  'presence:',
  '  routing_modules:',
  '    - module: rooms.RoomRouter',
  '      config: { room: "!ops:hs.example" }',
  '    - module: audit#AuditRouter',
  '      config: { auditor: "@auditor:hs.example" }',
  '',
].join('\n');

const membership = () =>
  new FixedMembership({
    '!lobby:hs.example': ['@alice:hs.example', '@bob:hs.example', '@carol:remote.example'],
    '!big:hs.example': ['@alice:hs.example', '@dave:hs.example'],
    '!ops:hs.example': ['@erin:hs.example', '@frank:other.example'],
  });

describe('LoadedConfig.createPresenceRouter', () => {
  it('routes a state end to end with the configured modules, server name and excluded rooms', async () => {
    const config = await loadConfig(HOMESERVER_YAML, { registry, logger: silentLogger });
    const { router } = config.createPresenceRouter({
      membership: membership(),
      logger: silentLogger,
    });
    expect(router).toBeInstanceOf(PresenceRouter);
    expect(router.serverName).toBe('hs.example');

    const online = userPresenceState('@alice:hs.example', { state: 'online', statusMsg: 'hi' });
    const result = await router.fanOut([online]);
    const received = result.toMap();
    // Default routing: alice herself and the lobby; !big is excluded, so dave gets nothing.
    // RoomRouter sends to !ops (erin); AuditRouter sends to the auditor.
    expect([...received.keys()].sort()).toEqual([
      '@alice:hs.example',
      '@auditor:hs.example',
      '@bob:hs.example',
      '@erin:hs.example',
    ]);
    expect(received.get('@auditor:hs.example')).toEqual([online]);
    expect(result.statesFor('@dave:hs.example')).toEqual([]);
    expect([...result.remote.keys()].sort()).toEqual(['other.example', 'remote.example']);
    expect(result.remote.get('remote.example')?.userIds).toEqual(['@carol:remote.example']);

    expect(await router.getInterestedUsers('@auditor:hs.example')).toBe(ALL_USERS);
  });

  it('returns the modules the router runs (the instances as built) and their names', async () => {
    const config = await loadConfig(HOMESERVER_YAML, { registry, logger: silentLogger });
    const { router, modules, moduleNames, warnings } = config.createPresenceRouter({
      membership: membership(),
    });
    expect(moduleNames).toEqual([
      'rooms.RoomRouter (presence.routing_modules[0])',
      'audit#AuditRouter (presence.routing_modules[1])',
    ]);
    // The router names them by their entries; the modules are the constructed instances.
    expect(router.moduleNames).toEqual(moduleNames);
    expect(modules.map((module) => module.constructor.name)).toEqual(['RoomRouter', 'AuditRouter']);
    expect(warnings).toEqual([]);
    const state = userPresenceState('@alice:hs.example', { state: 'online' });
    expect(await modules[1]?.getUsersForStates?.([state])).toEqual(
      new Map([['@auditor:hs.example', [state]]]),
    );
  });

  it("names the modules in the router's logs by their configuration entry", async () => {
    const config = await loadConfig(
      'server_name: hs.example\npresence:\n  routing_modules:\n    - module: failing.FailingRouter\n',
      { registry, logger: silentLogger },
    );
    const logger = new RecordingLogger();
    const { router } = config.createPresenceRouter({ membership: membership(), logger });
    await router.fanOut([userPresenceState('@alice:hs.example', { state: 'online' })]);
    const name = 'failing.FailingRouter (presence.routing_modules[0])';
    // The module's own error (its private field was read, so `this` is the instance).
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([
      {
        level: 'error',
        message: `Routing module ${name} failed while routing states; skipped`,
        data: { module: name, error: 'the routing table is gone' },
      },
    ]);
  });

  it('passes the host part of the module API to modules and lets the options override the server name', async () => {
    const config = await loadConfig(
      'modules:\n  - module: registering.RegisteringRouter\n    config: { send_to: "@w:hs2.example" }\n',
      { registry, logger: silentLogger },
    );
    const sent: string[][] = [];
    const moduleMembership = new FixedMembership({});
    RegisteringRouter.instances.length = 0;
    const { router, moduleNames } = config.createPresenceRouter({
      membership: membership(),
      serverName: 'hs2.example',
      logger: silentLogger,
      moduleApi: {
        membership: moduleMembership,
        sendLocalOnlinePresenceTo: async (users) => {
          sent.push([...users]);
        },
      },
    });
    expect(router.serverName).toBe('hs2.example');
    expect(moduleNames).toEqual(['registering.RegisteringRouter (modules[0])']);
    const module = RegisteringRouter.instances[0];
    expect(module?.api.serverName).toBe('hs2.example');
    expect(module?.api.membership).toBe(moduleMembership);
    await module?.poke(['@w:hs2.example']);
    expect(sent).toEqual([['@w:hs2.example']]);
    const result = await router.fanOut([userPresenceState('@x:hs2.example', { state: 'online' })]);
    expect([...result.toMap().keys()].sort()).toEqual(['@w:hs2.example', '@x:hs2.example']);
  });

  it("gives modules the router's membership source when the host gives none", async () => {
    const config = await loadConfig(
      'server_name: hs.example\nmodules:\n  - module: registering.RegisteringRouter\n',
      { registry, logger: silentLogger },
    );
    const source = membership();
    RegisteringRouter.instances.length = 0;
    config.createPresenceRouter({ membership: source });
    expect(RegisteringRouter.instances[0]?.api.membership).toBe(source);
  });

  it('returns and logs the warnings for skipped modules: entries', async () => {
    const config = await loadConfig(
      'server_name: hs.example\nmodules:\n  - module: spam.SpamChecker\n  - module: rooms.RoomRouter\n    config: { room: "!ops:hs.example" }\n',
      { registry, logger: silentLogger, sourceName: 'hs.yaml' },
    );
    const logger = new RecordingLogger();
    const { modules, moduleNames, warnings } = config.createPresenceRouter({
      membership: membership(),
      logger,
    });
    expect(modules).toHaveLength(1);
    expect(moduleNames).toEqual(['rooms.RoomRouter (modules[1])']);
    expect(warnings.map((w) => [w.path, w.line])).toEqual([['modules[0]', 3]]);
    expect(logger.messages('warn')).toEqual([
      expect.stringContaining(
        'hs.yaml:3:5: modules[0]: module "spam.SpamChecker" is not a presence router',
      ),
    ]);
  });

  it('warns when a module asks for snapshots and the host gave no sendLocalOnlinePresenceTo', async () => {
    const config = await loadConfig(
      'server_name: hs.example\nmodules:\n  - module: registering.RegisteringRouter\n',
      {
        registry,
        logger: silentLogger,
      },
    );
    const logger = new RecordingLogger();
    RegisteringRouter.instances.length = 0;
    config.createPresenceRouter({ membership: membership(), logger });
    await RegisteringRouter.instances[0]?.poke(['@bob:hs.example']);
    expect(logger.messages('warn')).toEqual([
      expect.stringContaining('delivers no presence snapshots'),
    ]);
  });
  it('needs a server name from the configuration or the options', async () => {
    const config = await loadConfig('presence:\n  enabled: true\n', { logger: silentLogger });
    expect(() => config.createPresenceRouter({ membership: membership() })).toThrow(ConfigError);
    expect(() => config.createPresenceRouter({ membership: membership() })).toThrow(
      expect.objectContaining({ code: 'MISSING_KEY', path: 'server_name' }),
    );
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'presence-router-config-file-'));
    writeFileSync(
      join(dir, 'router.mjs'),
      'export default class FileRouter {\n  constructor(config) { this.config = config; }\n  getRoomsAndUsersForStates(states) { return [{}, { [this.config.to]: states }]; }\n}\n',
    );
    writeFileSync(
      join(dir, 'homeserver.yaml'),
      'server_name: hs.example\nmodules:\n  - module: ./router.mjs\n    config: { to: "@file:hs.example" }\n',
    );
    writeFileSync(join(dir, 'broken.yaml'), 'server_name: hs.example\npresence:\n  enabled: [\n');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a file, resolving module paths against its folder', async () => {
    const config = await loadConfigFile(join(dir, 'homeserver.yaml'), { logger: silentLogger });
    expect(config.sourceName).toBe(join(dir, 'homeserver.yaml'));
    expect(config.routingModules[0]?.moduleClass.name).toBe('FileRouter');
    const { router } = config.createPresenceRouter({
      membership: membership(),
      logger: silentLogger,
    });
    const result = await router.fanOut([
      userPresenceState('@zed:hs.example', { state: 'unavailable' }),
    ]);
    expect([...result.toMap().keys()].sort()).toEqual(['@file:hs.example', '@zed:hs.example']);
  });

  it('names the file in errors', async () => {
    const path = join(dir, 'broken.yaml');
    await expect(loadConfigFile(path)).rejects.toMatchObject({
      code: 'YAML_SYNTAX',
      sourceName: path,
    });
    await expect(loadConfigFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
    });
  });

  it('refuses a file over limits.maxBytes where it goes past the limit, and reads it when allowed', async () => {
    const path = join(dir, 'big.yaml');
    // 2006 bytes ("é" is 2): with a limit of 104, reading stops after 105, inside the 51st "é".
    writeFileSync(path, `a: "${'é'.repeat(1000)}"\n`);
    await expect(loadConfigFile(path, { limits: { maxBytes: 104 } })).rejects.toMatchObject({
      code: 'YAML_TOO_LARGE',
      line: 1,
      column: 55,
      sourceName: path,
    });
    const config = await loadConfigFile(path, { limits: { maxBytes: 2006 }, logger: silentLogger });
    expect(config.serverName).toBeUndefined();
    await expect(loadConfigFile(path, { limits: { maxBytes: 2005 } })).rejects.toMatchObject({
      code: 'YAML_TOO_LARGE',
      line: 1,
      column: 1006,
    });
  });
});
