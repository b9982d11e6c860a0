import {
  PresenceRouter,
  type PresenceRouterModule,
  type PresenceRouterModuleClass,
  silentLogger,
  type UserPresenceState,
  userPresenceState,
} from '@presence-router/core';
import { InMemoryMembership } from '@presence-router/membership';
import { describe, expect, it } from 'vitest';
import { ExamplePresenceRouter, type ExampleRouterConfig } from '../src/index.ts';
import { FakeModuleApi } from './support/fake-module-api.ts';

const HS = 'hs.example';

// Type-level: the class fits core's module class shape, instances fit the module shape.
const asModuleClass: PresenceRouterModuleClass<ExampleRouterConfig> = ExamplePresenceRouter;

function membership(): InMemoryMembership {
  const m = new InMemoryMembership({ serverName: HS });
  for (const user of ['@alice:hs.example', '@bob:hs.example', '@carol:hs.example'])
    m.join('!team:hs.example', user);
  for (const user of ['@dave:hs.example', '@erin:hs.example', '@x:remote.example'])
    m.join('!a:hs.example', user);
  for (const user of ['@erin:hs.example', '@fay:hs.example']) m.join('!b:hs.example', user);
  m.join('!far:remote.example', '@y:remote.example');
  return m;
}

const RAW = {
  always_send_to_users: ['@auditor:hs.example', '@bot:remote.example'],
  users_to_rooms: [
    { '@alice:hs.example': ['!a:hs.example', '!b:hs.example', '!far:remote.example'] },
    { '@bob:hs.example': '!b:hs.example' },
  ],
};

const batch = [
  userPresenceState('@alice:hs.example', { state: 'online' }),
  userPresenceState('@bob:hs.example', { state: 'unavailable' }),
  userPresenceState('@carol:hs.example', { state: 'online' }),
];

function plain(map: ReadonlyMap<string, ReadonlySet<UserPresenceState>>): Record<string, string[]> {
  return Object.fromEntries(
    [...map]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([user, states]) => [user, [...states].map((s) => s.userId).sort()]),
  );
}

describe('the two module shapes agree', () => {
  it("core routes the same destinations through the seed shape and through Synapse's pair", async () => {
    const m = membership();
    const module = new asModuleClass(
      ExamplePresenceRouter.parseConfig(RAW),
      new FakeModuleApi(HS, m),
    ) as ExamplePresenceRouter;
    const seedShape: PresenceRouterModule = {
      getRoomsAndUsersForStates: (states) => module.getRoomsAndUsersForStates(states),
    };
    const synapseShape: PresenceRouterModule = {
      getUsersForStates: (states) => module.getUsersForStates(states),
      getInterestedUsers: (userId) => module.getInterestedUsers(userId),
    };
    const viaSeed = new PresenceRouter({
      serverName: HS,
      membership: m,
      modules: [seedShape],
      logger: silentLogger,
    });
    const viaSynapse = new PresenceRouter({
      serverName: HS,
      membership: m,
      modules: [synapseShape],
      logger: silentLogger,
    });
    const expected = {
      '@auditor:hs.example': ['@alice:hs.example', '@bob:hs.example', '@carol:hs.example'],
      '@bot:remote.example': ['@alice:hs.example', '@bob:hs.example', '@carol:hs.example'],
      '@dave:hs.example': ['@alice:hs.example'],
      '@erin:hs.example': ['@alice:hs.example', '@bob:hs.example'],
      '@fay:hs.example': ['@alice:hs.example', '@bob:hs.example'],
      '@x:remote.example': ['@alice:hs.example'],
    };
    expect(plain(await viaSeed.getUsersForStates(batch))).toEqual(expected);
    expect(plain(await viaSynapse.getUsersForStates(batch))).toEqual(expected);
    expect(plain(await module.getUsersForStates(batch))).toEqual(expected);

    const seedFanOut = await viaSeed.fanOut(batch);
    const synapseFanOut = await viaSynapse.fanOut(batch);
    const fanOutPlain = (result: typeof seedFanOut) =>
      Object.fromEntries(
        [...result.toMap()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([user, states]) => [user, states.map((s) => s.userId)]),
      );
    expect(fanOutPlain(synapseFanOut)).toEqual(fanOutPlain(seedFanOut));
    expect(fanOutPlain(seedFanOut)['@fay:hs.example']).toEqual([
      '@alice:hs.example',
      '@bob:hs.example',
    ]);
  });

  it('an instance is a routing module core accepts as is (both shapes at once)', async () => {
    const m = membership();
    const module: PresenceRouterModule = new ExamplePresenceRouter(
      ExamplePresenceRouter.parseConfig(RAW),
      new FakeModuleApi(HS, m),
    );
    const router = new PresenceRouter({ serverName: HS, membership: m, modules: [module] });
    const interested = await router.getInterestedUsers('@fay:hs.example');
    expect(interested).toEqual(new Set(['@alice:hs.example', '@bob:hs.example']));
  });
});
