import { FixedMembership, RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import {
  ALL_USERS,
  ModuleRegistrationError,
  PresenceRouter,
  type PresenceRouterModule,
  type UserPresenceState,
  userPresenceState,
} from '../src/index.ts';

const HS = 'hs.example';
const alice = userPresenceState('@alice:hs.example', { state: 'online', lastActiveTs: 1000 });
const bob = userPresenceState('@bob:hs.example', { state: 'unavailable' });

function router(modules: PresenceRouterModule[], rooms: Record<string, string[]> = {}) {
  const logger = new RecordingLogger();
  const membership = new FixedMembership(rooms);
  return {
    router: new PresenceRouter({ serverName: HS, membership, modules, logger }),
    logger,
    membership,
  };
}

function asPlain(
  map: ReadonlyMap<string, ReadonlySet<UserPresenceState>>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [userId, states] of [...map].sort(([a], [b]) => a.localeCompare(b))) {
    out[userId] = [...states].map((s) => `${s.userId}=${s.state}`).sort();
  }
  return out;
}

describe('PresenceRouter.getUsersForStates', () => {
  it('with no modules routes nothing extra', async () => {
    const { router: r } = router([]);
    expect((await r.getUsersForStates([alice, bob])).size).toBe(0);
    expect(await r.getInterestedUsers('@alice:hs.example')).toEqual(new Set());
  });

  it('unions the results of two modules per destination; equal states collapse', async () => {
    const m1: PresenceRouterModule = {
      getUsersForStates: (states) => new Map([['@carol:hs.example', new Set(states)]]),
      getInterestedUsers: () => new Set(),
    };
    const m2: PresenceRouterModule = {
      // A copy equal by value to alice's state, and a plain-object result of arrays.
      getUsersForStates: () => ({
        '@carol:hs.example': [
          userPresenceState('@alice:hs.example', { state: 'online', lastActiveTs: 1000 }),
        ],
        '@dan:remote.example': [bob],
      }),
      getInterestedUsers: () => new Set(),
    };
    const { router: r } = router([m1, m2]);
    const result = await r.getUsersForStates([alice, bob]);
    expect(asPlain(result)).toEqual({
      '@carol:hs.example': ['@alice:hs.example=online', '@bob:hs.example=unavailable'],
      '@dan:remote.example': ['@bob:hs.example=unavailable'],
    });
    expect(result.get('@carol:hs.example')?.size).toBe(2);
  });

  it('destinations given one shared list stay independent when another module adds to one', async () => {
    const shared: PresenceRouterModule = {
      getUsersForStates: () => {
        const list = [alice];
        return { '@a:hs.example': list, '@b:hs.example': list };
      },
      getInterestedUsers: () => [],
    };
    const more: PresenceRouterModule = {
      getUsersForStates: () => ({ '@a:hs.example': [bob] }),
      getInterestedUsers: () => [],
    };
    const { router: r } = router([shared, more]);
    expect(asPlain(await r.getUsersForStates([alice, bob]))).toEqual({
      '@a:hs.example': ['@alice:hs.example=online', '@bob:hs.example=unavailable'],
      '@b:hs.example': ['@alice:hs.example=online'],
    });
  });

  it('gives every module the same array of states, in configuration order', async () => {
    const seen: { name: string; states: readonly UserPresenceState[] }[] = [];
    const spy = (name: string): PresenceRouterModule => ({
      getUsersForStates: (states) => {
        seen.push({ name, states });
        return {};
      },
      getInterestedUsers: () => [],
    });
    const { router: r } = router([spy('first'), spy('second')]);
    await r.getUsersForStates(
      (function* () {
        yield alice;
        yield bob;
      })(),
    );
    expect(seen.map((s) => s.name)).toEqual(['first', 'second']);
    expect(seen[0]?.states).toBe(seen[1]?.states);
    expect(seen[0]?.states).toEqual([alice, bob]);
    expect(Object.isFrozen(seen[0]?.states)).toBe(true);
  });

  it('logs and skips a module that throws (sync or async); the others still count', async () => {
    const throwing: PresenceRouterModule = {
      getUsersForStates: () => {
        throw new Error('boom');
      },
      getInterestedUsers: async () => {
        throw new Error('bang');
      },
    };
    const good: PresenceRouterModule = {
      getUsersForStates: async (states) => ({ '@carol:hs.example': states }),
      getInterestedUsers: async () => new Set(['@alice:hs.example']),
    };
    const { router: r, logger } = router([throwing, good]);
    expect(asPlain(await r.getUsersForStates([alice]))).toEqual({
      '@carol:hs.example': ['@alice:hs.example=online'],
    });
    expect(await r.getInterestedUsers('@carol:hs.example')).toEqual(new Set(['@alice:hs.example']));
    expect(logger.messages('error').join('\n')).toMatch(/routing_modules\[0\].*failed/);
    expect(logger.messages('error')).toHaveLength(2);
  });

  it('logs and skips a result of the wrong type', async () => {
    const wrong: PresenceRouterModule = {
      getUsersForStates: () => ['@carol:hs.example'] as never,
      getInterestedUsers: () => '@carol:hs.example' as never,
    };
    const good: PresenceRouterModule = {
      getUsersForStates: (states) => ({ '@dan:hs.example': states }),
      getInterestedUsers: () => new Set(['@bob:hs.example']),
    };
    const { router: r, logger } = router([wrong, good]);
    expect(asPlain(await r.getUsersForStates([alice]))).toEqual({
      '@dan:hs.example': ['@alice:hs.example=online'],
    });
    expect(await r.getInterestedUsers('@x:hs.example')).toEqual(new Set(['@bob:hs.example']));
    expect(logger.messages('warn').filter((m) => /expected/.test(m))).toHaveLength(2);
  });

  it('an entry of the wrong type drops the rest of that module (earlier entries kept)', async () => {
    const partlyWrong: PresenceRouterModule = {
      getUsersForStates: (states) =>
        new Map<unknown, unknown>([
          ['@first:hs.example', new Set(states)],
          ['@second:hs.example', 'not a collection'],
          ['@third:hs.example', new Set(states)],
        ]) as never,
      getInterestedUsers: () => [],
    };
    const badItems: PresenceRouterModule = {
      getUsersForStates: () =>
        ({ '@fourth:hs.example': [{ not: 'a state' }], '@fifth:hs.example': [alice] }) as never,
      getInterestedUsers: () => [],
    };
    const other: PresenceRouterModule = {
      getUsersForStates: (states) => ({ '@sixth:hs.example': states }),
      getInterestedUsers: () => [],
    };
    const { router: r, logger } = router([partlyWrong, badItems, other]);
    const result = await r.getUsersForStates([alice]);
    expect([...result.keys()].sort()).toEqual(['@first:hs.example', '@sixth:hs.example']);
    expect(
      logger.messages('warn').filter((m) => /rest of its user destinations are dropped/.test(m)),
    ).toHaveLength(2);
  });

  it('accepts any iterable of states as a destination value (a generator too)', async () => {
    const m: PresenceRouterModule = {
      getUsersForStates: (states) => ({
        '@a:hs.example': (function* () {
          yield* states;
        })(),
        '@b:hs.example': new Set(states),
      }),
      getInterestedUsers: () => [],
    };
    const { router: r, logger } = router([m]);
    expect(asPlain(await r.getUsersForStates([alice]))).toEqual({
      '@a:hs.example': ['@alice:hs.example=online'],
      '@b:hs.example': ['@alice:hs.example=online'],
    });
    expect(logger.messages()).toEqual([]);
  });

  it('drops destination keys that are not valid user IDs, with a warning', async () => {
    const m: PresenceRouterModule = {
      getUsersForStates: (states) => ({
        carol: states,
        '@:hs': states,
        '@carol:hs.example': states,
      }),
      getInterestedUsers: () => new Set(['not-a-user', '@ok:hs.example', 42 as never]),
    };
    const { router: r, logger } = router([m]);
    expect([...(await r.getUsersForStates([alice])).keys()]).toEqual(['@carol:hs.example']);
    expect(await r.getInterestedUsers('@carol:hs.example')).toEqual(new Set(['@ok:hs.example']));
    const warnings = logger.messages('warn');
    expect(warnings.filter((m) => /invalid user ID/.test(m))).toHaveLength(4);
  });

  it('expands room destinations of seed-shaped modules; non-participating rooms are dropped with a warning', async () => {
    const seed: PresenceRouterModule = {
      getRoomsAndUsersForStates: (states) => [
        new Map([
          ['!team:hs.example', states],
          ['!elsewhere:other.example', states],
          ['not-a-room', states],
        ]),
        new Map([['@auditor:hs.example', states]]),
      ],
    };
    const { router: r, logger } = router([seed], {
      '!team:hs.example': ['@alice:hs.example', '@carol:hs.example', '@zed:remote.example'],
    });
    const result = await r.getUsersForStates([alice]);
    expect(asPlain(result)).toEqual({
      '@alice:hs.example': ['@alice:hs.example=online'],
      '@auditor:hs.example': ['@alice:hs.example=online'],
      '@carol:hs.example': ['@alice:hs.example=online'],
      '@zed:remote.example': ['@alice:hs.example=online'],
    });
    const warnings = logger.messages('warn').join('\n');
    expect(warnings).toMatch(
      /!elsewhere:other\.example dropped: this server \(hs\.example\) does not participate/,
    );
    expect(warnings).toMatch(/invalid room ID "not-a-room"/);
  });

  it('members reached by the same sources share one Set', async () => {
    const seed: PresenceRouterModule = {
      getRoomsAndUsersForStates: (states) => [{ '!big:hs.example': states }, {}],
    };
    const members = Array.from({ length: 50 }, (_, i) => `@m${i}:hs.example`);
    const { router: r } = router([seed], { '!big:hs.example': members });
    const result = await r.getUsersForStates([alice, bob]);
    expect(result.size).toBe(50);
    const sets = new Set(result.values());
    expect(sets.size).toBe(1);
    expect([...sets][0]?.size).toBe(2);
  });

  it('rejects a malformed seed result without losing other modules', async () => {
    const bad: PresenceRouterModule = { getRoomsAndUsersForStates: () => ({}) as never };
    const good: PresenceRouterModule = {
      getRoomsAndUsersForStates: (s) => [{}, { '@x:hs.example': s }],
    };
    const { router: r, logger } = router([bad, good]);
    expect([...(await r.getUsersForStates([alice])).keys()]).toEqual(['@x:hs.example']);
    expect(logger.messages('warn').join()).toMatch(/expected \[roomIdsToStates, userIdsToStates\]/);
  });
});

describe('PresenceRouter.getInterestedUsers', () => {
  it('the first module answering ALL_USERS wins and later modules are not called', async () => {
    let laterCalled = false;
    const some: PresenceRouterModule = {
      getUsersForStates: () => ({}),
      getInterestedUsers: () => new Set(['@a:hs.example']),
    };
    const all: PresenceRouterModule = {
      getUsersForStates: () => ({}),
      getInterestedUsers: () => ALL_USERS,
    };
    const later: PresenceRouterModule = {
      getUsersForStates: () => ({}),
      getInterestedUsers: () => {
        laterCalled = true;
        return new Set(['@b:hs.example']);
      },
    };
    const { router: r } = router([some, all, later]);
    expect(await r.getInterestedUsers('@x:hs.example')).toBe(ALL_USERS);
    expect(laterCalled).toBe(false);
  });

  it('accepts Synapse\'s string "ALL"', async () => {
    const { router: r } = router([
      { getUsersForStates: () => ({}), getInterestedUsers: async () => 'ALL' },
    ]);
    expect(await r.getInterestedUsers('@x:hs.example')).toBe(ALL_USERS);
  });

  it('unions sets across modules', async () => {
    const { router: r } = router([
      { getUsersForStates: () => ({}), getInterestedUsers: () => new Set(['@a:hs.example']) },
      {
        getUsersForStates: () => ({}),
        getInterestedUsers: () => ['@b:hs.example', '@a:hs.example'],
      },
    ]);
    expect(await r.getInterestedUsers('@x:hs.example')).toEqual(
      new Set(['@a:hs.example', '@b:hs.example']),
    );
  });
});

describe('module shapes', () => {
  it('refuses a module with only one of the Synapse pair', () => {
    const membership = new FixedMembership({});
    expect(
      () =>
        new PresenceRouter({
          serverName: HS,
          membership,
          modules: [{ getUsersForStates: () => ({}) }],
        }),
    ).toThrow(ModuleRegistrationError);
    try {
      new PresenceRouter({
        serverName: HS,
        membership,
        modules: [{ getInterestedUsers: () => [] }],
      });
      expect.unreachable();
    } catch (error) {
      expect((error as ModuleRegistrationError).code).toBe('CALLBACK_PAIR_REQUIRED');
      expect((error as ModuleRegistrationError).moduleName).toBe('routing_modules[0]');
    }
  });

  it('refuses a module with no routing callback', () => {
    expect(
      () =>
        new PresenceRouter({
          serverName: HS,
          membership: new FixedMembership({}),
          modules: [{} as never],
        }),
    ).toThrow(/no routing callback/);
  });

  it('refuses an invalid server name', () => {
    expect(
      () => new PresenceRouter({ serverName: 'bad name', membership: new FixedMembership({}) }),
    ).toThrow(/Invalid server name/);
  });

  it('calls class-based modules as methods (this is bound)', async () => {
    class Auditor {
      readonly target = '@auditor:hs.example';
      getUsersForStates(states: readonly UserPresenceState[]) {
        return { [this.target]: states };
      }
      getInterestedUsers(userId: string) {
        return userId === this.target ? ALL_USERS : new Set<string>();
      }
    }
    const { router: r } = router([new Auditor()]);
    expect([...(await r.getUsersForStates([alice])).keys()]).toEqual(['@auditor:hs.example']);
    expect(await r.getInterestedUsers('@auditor:hs.example')).toBe(ALL_USERS);
  });
});
