import { ConfigError, loadConfig, ModuleRegistry } from '@presence-router/config';
import { ALL_USERS, userPresenceState } from '@presence-router/core';
import { InMemoryMembership } from '@presence-router/membership';
import { RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import {
  ExamplePresenceRouter,
  type ExampleRouterConfig,
  isParsedExampleRouterConfig,
  registerExampleRouter,
} from '../src/index.ts';

const HS = 'hs.example';

/** The seed's documented configuration, adapted to this server's name. */
const SEED_YAML = `server_name: hs.example
presence:
  routing_modules:
    - module: my_module.ExamplePresenceRouter
      config:
        # Any configuration options for your module.
        always_send_to_users: ["@presence_gobbler:hs.example"]
        users_to_rooms:
          - "@alice:hs.example":
            - "!room1:hs.example"
            - "!room2:remote.example"
          - "@bob:hs.example": "!room1:hs.example"
`;

function membership(): InMemoryMembership {
  const m = new InMemoryMembership({ serverName: HS });
  // Default routing: alice, bob and carol share !team; rita is remote.
  for (const user of ['@alice:hs.example', '@bob:hs.example', '@carol:hs.example'])
    m.join('!team:hs.example', user);
  m.join('!team:hs.example', '@rita:remote.example');
  // users_to_rooms target: dave and erin (local), sam (remote).
  for (const user of ['@dave:hs.example', '@erin:hs.example', '@sam:partner.example'])
    m.join('!room1:hs.example', user);
  // Only remote members: this server does not participate.
  m.join('!room2:remote.example', '@pat:remote.example');
  return m;
}

const alice = userPresenceState('@alice:hs.example', { state: 'online', statusMsg: 'hi' });
const bob = userPresenceState('@bob:hs.example', { state: 'unavailable' });
const carol = userPresenceState('@carol:hs.example', { state: 'online' });

async function load(yaml = SEED_YAML) {
  const logger = new RecordingLogger();
  const loaded = await loadConfig(yaml, {
    registry: registerExampleRouter(new ModuleRegistry()),
    sourceName: 'homeserver.yaml',
    logger,
  });
  return { loaded, logger };
}

function ids(states: Iterable<{ userId: string }> | undefined): string[] {
  return [...(states ?? [])].map((s) => s.userId).sort();
}

describe('end to end: the seed YAML -> loadConfig -> PresenceRouter', () => {
  it('loads the seed configuration through ExamplePresenceRouter.parseConfig', async () => {
    const { loaded } = await load();
    expect(loaded.routingModules).toHaveLength(1);
    const entry = loaded.routingModules[0];
    expect(entry?.moduleClass).toBe(ExamplePresenceRouter);
    expect(entry?.resolvedFrom).toBe('registry');
    expect(isParsedExampleRouterConfig(entry?.config)).toBe(true);
    const config = entry?.config as ExampleRouterConfig;
    expect(config.alwaysSendToUsers).toEqual(['@presence_gobbler:hs.example']);
    expect(Object.fromEntries(config.usersToRooms)).toEqual({
      '@alice:hs.example': ['!room1:hs.example', '!room2:remote.example'],
      '@bob:hs.example': ['!room1:hs.example'],
    });
  });

  it('getUsersForStates: routed users and members of mapped rooms; non-participating rooms dropped', async () => {
    const { loaded, logger } = await load();
    const { router } = loaded.createPresenceRouter({ membership: membership(), logger });
    const destinations = await router.getUsersForStates([alice, bob, carol]);
    const plain = Object.fromEntries(
      [...destinations].map(([userId, states]) => [userId, ids(states)]),
    );
    expect(plain).toEqual({
      '@presence_gobbler:hs.example': ['@alice:hs.example', '@bob:hs.example', '@carol:hs.example'],
      '@dave:hs.example': ['@alice:hs.example', '@bob:hs.example'],
      '@erin:hs.example': ['@alice:hs.example', '@bob:hs.example'],
      '@sam:partner.example': ['@alice:hs.example', '@bob:hs.example'],
    });
    expect(destinations.has('@pat:remote.example')).toBe(false);
    expect(logger.messages('warn').join('\n')).toMatch(/!room2:remote\.example dropped/);
  });

  it('fanOut: default routing plus the module destinations, remote grouped by server', async () => {
    const { loaded, logger } = await load();
    const { router } = loaded.createPresenceRouter({ membership: membership(), logger });
    const result = await router.fanOut([alice, bob, carol]);
    // Room members of !team get everyone's state by default routing.
    expect(ids(result.statesFor('@carol:hs.example'))).toEqual([
      '@alice:hs.example',
      '@bob:hs.example',
      '@carol:hs.example',
    ]);
    // Routed user: everything.
    expect(ids(result.statesFor('@presence_gobbler:hs.example'))).toEqual([
      '@alice:hs.example',
      '@bob:hs.example',
      '@carol:hs.example',
    ]);
    // Routed room: the members of !room1 get the mapped users' states only (not carol's).
    expect(ids(result.statesFor('@dave:hs.example'))).toEqual([
      '@alice:hs.example',
      '@bob:hs.example',
    ]);
    expect(result.statesFor('@erin:hs.example')).toEqual(result.statesFor('@dave:hs.example'));
    // The state objects themselves are delivered, not user IDs.
    expect(result.statesFor('@dave:hs.example')[0]?.equals(alice)).toBe(true);
    // Remote: rita (via !team) and sam (via the routed room); pat's room is not participated in.
    expect([...result.remote.keys()].sort()).toEqual(['partner.example', 'remote.example']);
    expect(result.remote.get('remote.example')?.userIds).toEqual(['@rita:remote.example']);
    expect(ids(result.remote.get('partner.example')?.states)).toEqual([
      '@alice:hs.example',
      '@bob:hs.example',
    ]);
    expect(result.statesFor('@pat:remote.example')).toEqual([]);
  });

  it('getInterestedUsers: ALL_USERS for the gobbler, mapped users for room members', async () => {
    const { loaded, logger } = await load();
    const { router } = loaded.createPresenceRouter({ membership: membership(), logger });
    expect(await router.getInterestedUsers('@presence_gobbler:hs.example')).toBe(ALL_USERS);
    expect(await router.getInterestedUsers('@dave:hs.example')).toEqual(
      new Set(['@alice:hs.example', '@bob:hs.example']),
    );
    expect(await router.getInterestedUsers('@carol:hs.example')).toEqual(new Set());
  });

  it('loads the plain-mapping form and the package-name specifier too', async () => {
    const yaml = `server_name: hs.example
presence:
  routing_modules:
    - module: "@presence-router/example-router#ExamplePresenceRouter"
      config:
        users_to_rooms:
          "@alice:hs.example": "!room1:hs.example"
`;
    const { loaded, logger } = await load(yaml);
    const { router } = loaded.createPresenceRouter({ membership: membership(), logger });
    const result = await router.fanOut([alice]);
    expect(ids(result.statesFor('@dave:hs.example'))).toEqual(['@alice:hs.example']);
    expect(result.statesFor('@presence_gobbler:hs.example')).toEqual([]);
  });

  it('reports an invalid room in the YAML with the full path and its line', async () => {
    const yaml = SEED_YAML.replace(
      '"!room1:hs.example"\n            - "!room2',
      '"!room1:hs.example"\n            - "#room2',
    );
    const error = await load(yaml).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('INVALID_VALUE');
    expect(configError.path).toBe(
      'presence.routing_modules[0].config.users_to_rooms[0].@alice:hs.example[1]',
    );
    expect(configError.line).toBe(11);
    expect(configError.message).toMatch(/homeserver\.yaml:11/);
  });

  it('reports an unknown module key of ExamplePresenceRouter with the full path', async () => {
    const yaml = SEED_YAML.replace('always_send_to_users:', 'always_send_to_user:');
    const error = await load(yaml).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe(
      'presence.routing_modules[0].config.always_send_to_user',
    );
    expect((error as ConfigError).detail).toMatch(/did you mean always_send_to_users/);
  });
});
