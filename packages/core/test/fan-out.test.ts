import { FixedMembership, RecordingLogger, seededRandom } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import {
  MembershipLookupError,
  type MembershipSource,
  PresenceRouter,
  type PresenceRouterModule,
  type SettledLookup,
  type SettledMembershipSource,
  serverNameOf,
  type UserPresenceState,
  userPresenceState,
} from '../src/index.ts';

const HS = 'hs.example';
const online = (userId: string) => userPresenceState(userId, { state: 'online' });

function plain(map: ReadonlyMap<string, readonly UserPresenceState[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [userId, states] of [...map].sort(([a], [b]) => a.localeCompare(b))) {
    out[userId] = states.map((s) => `${s.userId}=${s.state}`).sort();
  }
  return out;
}

describe('PresenceRouter.fanOut — default routing', () => {
  const rooms = {
    '!team:hs.example': [
      '@alice:hs.example',
      '@bob:hs.example',
      '@rita:remote.example',
      '@ron:remote.example',
    ],
    '!pair:hs.example': ['@alice:hs.example', '@carol:hs.example'],
    '!quiet:hs.example': ['@dave:hs.example', '@erin:hs.example'],
    '!far:remote.example': ['@bob:hs.example', '@sam:other.example:8448'],
  };

  it('delivers to the user itself and every member of its rooms', async () => {
    const r = new PresenceRouter({ serverName: HS, membership: new FixedMembership(rooms) });
    const result = await r.fanOut([online('@alice:hs.example')]);
    expect(plain(result.toMap())).toEqual({
      '@alice:hs.example': ['@alice:hs.example=online'],
      '@bob:hs.example': ['@alice:hs.example=online'],
      '@carol:hs.example': ['@alice:hs.example=online'],
    });
    expect(result.recipientCount).toBe(3);
    expect(result.deliveryCount).toBe(3);
    expect(result.statesFor('@carol:hs.example').map((s) => s.userId)).toEqual([
      '@alice:hs.example',
    ]);
    expect(result.statesFor('@dave:hs.example')).toEqual([]);
    expect(result.statesFor('@nobody:hs.example')).toEqual([]);
  });

  it("groups remote destinations by server name, with local users' states only", async () => {
    const r = new PresenceRouter({ serverName: HS, membership: new FixedMembership(rooms) });
    const remoteUpdate = online('@rita:remote.example');
    const result = await r.fanOut([
      online('@alice:hs.example'),
      online('@bob:hs.example'),
      remoteUpdate,
    ]);
    const remote = Object.fromEntries(
      [...result.remote].map(([server, d]) => [
        server,
        { users: [...d.userIds].sort(), states: d.states.map((s) => s.userId).sort() },
      ]),
    );
    expect(remote).toEqual({
      'remote.example': {
        users: ['@rita:remote.example', '@ron:remote.example'],
        states: ['@alice:hs.example', '@bob:hs.example'],
      },
      'other.example:8448': { users: ['@sam:other.example:8448'], states: ['@bob:hs.example'] },
    });
    // The remote user's own update reaches local co-members, not other servers, not itself.
    expect(
      result
        .statesFor('@alice:hs.example')
        .map((s) => s.userId)
        .sort(),
    ).toEqual(['@alice:hs.example', '@bob:hs.example', '@rita:remote.example']);
    expect(result.toMap().has('@rita:remote.example')).toBe(false);
  });

  it('leaves excluded rooms out of default routing', async () => {
    const r = new PresenceRouter({
      serverName: HS,
      membership: new FixedMembership(rooms),
      excludeRoomsFromPresence: ['!team:hs.example'],
    });
    const result = await r.fanOut([online('@alice:hs.example')]);
    expect(Object.keys(plain(result.toMap()))).toEqual(['@alice:hs.example', '@carol:hs.example']);
    expect(result.remote.size).toBe(0);
  });

  it('a user in no room (or only excluded rooms) still receives its own update', async () => {
    const r = new PresenceRouter({
      serverName: HS,
      membership: new FixedMembership(rooms),
      excludeRoomsFromPresence: ['!quiet:hs.example'],
    });
    const result = await r.fanOut([online('@loner:hs.example'), online('@dave:hs.example')]);
    expect(plain(result.toMap())).toEqual({
      '@dave:hs.example': ['@dave:hs.example=online'],
      '@loner:hs.example': ['@loner:hs.example=online'],
    });
  });

  it('routes the latest state of each user in a batch (one-shot iterators accepted)', async () => {
    const r = new PresenceRouter({ serverName: HS, membership: new FixedMembership(rooms) });
    function* updates() {
      yield online('@alice:hs.example');
      yield userPresenceState('@alice:hs.example', { state: 'unavailable' });
    }
    const result = await r.fanOut(updates());
    expect(result.states.map((s) => s.state)).toEqual(['unavailable']);
    expect(plain(result.toMap())['@bob:hs.example']).toEqual(['@alice:hs.example=unavailable']);
  });

  it('recipients reached by the same rooms share one group and one state list', async () => {
    const members = Array.from({ length: 200 }, (_, i) => `@u${i}:hs.example`);
    const r = new PresenceRouter({
      serverName: HS,
      membership: new FixedMembership({ '!all:hs.example': members }),
    });
    const batch = members.slice(0, 20).map(online);
    const result = await r.fanOut(batch);
    expect(result.recipientCount).toBe(200);
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0]?.states).toHaveLength(20);
    expect(result.deliveryCount).toBe(200 * 20);
    const map = result.toMap();
    expect(map.get('@u0:hs.example')).toBe(map.get('@u199:hs.example'));
  });

  it('routes what it can when a plain source fails, and reports the rest as unrouted', async () => {
    const broken: MembershipSource = {
      getJoinedMembers: async () => {
        throw new Error('database is down');
      },
      getRoomsForUsers: async (userIds) => new Map(userIds.map((u) => [u, ['!r:hs.example']])),
    };
    const r = new PresenceRouter({ serverName: HS, membership: broken });
    const alice = online('@alice:hs.example');
    const result = await r.fanOut([alice]);
    // Alice still receives her own state; the room could not be expanded.
    expect(result.statesFor('@alice:hs.example')).toEqual([alice]);
    expect(result.unrouted.size).toBe(1);
    expect([...result.unrouted.rooms]).toEqual([['!r:hs.example', [alice]]]);
    const error = result.unrouted.errors.get('!r:hs.example');
    expect(error).toBeInstanceOf(MembershipLookupError);
    expect((error as MembershipLookupError).code).toBe('MEMBERSHIP_UNAVAILABLE');
    expect((error as MembershipLookupError).ids).toEqual(['!r:hs.example']);
    expect((error as Error).message).toMatch(/database is down/);
    expect(((error as Error).cause as Error).message).toBe('database is down');
  });
});

describe('PresenceRouter.fanOut — failing lookups', () => {
  const rooms = {
    '!good:hs.example': ['@alice:hs.example', '@bob:hs.example'],
    '!bad:hs.example': ['@erin:hs.example', '@bob:hs.example', '@carl:hs.example'],
  };

  /** A settled source whose `!bad` room and `@zed` user fail. */
  function partlyFailing(): SettledMembershipSource & FixedMembership {
    const fixed = new FixedMembership(rooms);
    return Object.assign(fixed, {
      async getJoinedMembersSettled(roomIds: readonly string[]): Promise<SettledLookup> {
        const found = await fixed.getJoinedMembers(
          roomIds.filter((id) => id !== '!bad:hs.example'),
        );
        const errors = new Map<string, Error>();
        if (roomIds.includes('!bad:hs.example')) errors.set('!bad:hs.example', new Error('hangs'));
        return { found, errors };
      },
      async getRoomsForUsersSettled(userIds: readonly string[]): Promise<SettledLookup> {
        const found = await fixed.getRoomsForUsers(
          userIds.filter((id) => id !== '@zed:hs.example'),
        );
        const errors = new Map<string, Error>();
        if (userIds.includes('@zed:hs.example')) errors.set('@zed:hs.example', new Error('slow'));
        return { found, errors };
      },
    });
  }

  it('delivers the healthy rooms of a batch and lists the failed room with its states', async () => {
    const r = new PresenceRouter({ serverName: HS, membership: partlyFailing() });
    const alice = online('@alice:hs.example');
    const erin = online('@erin:hs.example');
    const result = await r.fanOut([alice, erin]);
    expect(result.statesFor('@bob:hs.example')).toEqual([alice]);
    expect(result.statesFor('@erin:hs.example')).toEqual([erin]);
    expect(result.statesFor('@carl:hs.example')).toEqual([]);
    expect([...result.unrouted.rooms]).toEqual([['!bad:hs.example', [erin]]]);
    expect(result.unrouted.users.size).toBe(0);
  });

  it('lists a user whose rooms failed; its module destinations and itself still get it', async () => {
    const r = new PresenceRouter({
      serverName: HS,
      membership: partlyFailing(),
      modules: [
        {
          getUsersForStates: (states) => ({ '@auditor:hs.example': states }),
          getInterestedUsers: () => [],
        },
      ],
    });
    const zed = online('@zed:hs.example');
    const result = await r.fanOut([zed]);
    expect(result.statesFor('@auditor:hs.example')).toEqual([zed]);
    expect(result.statesFor('@zed:hs.example')).toEqual([zed]);
    expect([...result.unrouted.users]).toEqual([['@zed:hs.example', zed]]);
    expect(result.unrouted.errors.get('@zed:hs.example')?.message).toBe('slow');
  });

  it('does not look up keys the caller marks as failing', async () => {
    const membership = partlyFailing();
    const r = new PresenceRouter({ serverName: HS, membership });
    const alice = online('@alice:hs.example');
    const result = await r.fanOut([alice], { knownFailing: new Set(['!good:hs.example']) });
    expect(membership.calls.members).toEqual([]);
    expect([...result.unrouted.rooms]).toEqual([['!good:hs.example', [alice]]]);
    expect(result.statesFor('@alice:hs.example')).toEqual([alice]);
    expect(result.statesFor('@bob:hs.example')).toEqual([]);
  });

  it('fanOutRetry routes the unrouted parts only, with the states it is given', async () => {
    const r = new PresenceRouter({
      serverName: HS,
      membership: new FixedMembership(rooms),
      modules: [
        {
          getUsersForStates: (states) => ({ '@auditor:hs.example': states }),
          getInterestedUsers: () => [],
        },
      ],
    });
    const erin = online('@erin:hs.example');
    const zed = userPresenceState('@alice:hs.example', { state: 'unavailable' });
    const result = await r.fanOutRetry({
      users: [zed],
      rooms: new Map([['!bad:hs.example', [erin]]]),
    });
    // No module, no self delivery: only the rooms.
    expect(result.statesFor('@auditor:hs.example')).toEqual([]);
    expect(result.statesFor('@carl:hs.example')).toEqual([erin]);
    expect(result.statesFor('@bob:hs.example')).toEqual([zed, erin]);
    expect(result.statesFor('@alice:hs.example')).toEqual([zed]);
    expect(result.unrouted.size).toBe(0);
  });
});

describe('PresenceRouter.fanOut — with routing modules', () => {
  it('adds module destinations (users and rooms) to default routing', async () => {
    const rooms = {
      '!team:hs.example': ['@alice:hs.example', '@bob:hs.example'],
      '!ops:hs.example': ['@olga:hs.example', '@oscar:remote.example'],
    };
    const seed: PresenceRouterModule = {
      getRoomsAndUsersForStates: (states) => [
        {
          '!ops:hs.example': states.filter((s) => s.userId === '@alice:hs.example'),
          '!gone:hs.example': states,
        },
        { '@auditor:hs.example': states, '@watcher:remote.example': states },
      ],
    };
    const logger = new RecordingLogger();
    const r = new PresenceRouter({
      serverName: HS,
      membership: new FixedMembership(rooms),
      modules: [seed],
      logger,
    });
    const result = await r.fanOut([online('@alice:hs.example'), online('@bob:hs.example')]);
    expect(plain(result.toMap())).toEqual({
      '@alice:hs.example': ['@alice:hs.example=online', '@bob:hs.example=online'],
      '@auditor:hs.example': ['@alice:hs.example=online', '@bob:hs.example=online'],
      '@bob:hs.example': ['@alice:hs.example=online', '@bob:hs.example=online'],
      '@olga:hs.example': ['@alice:hs.example=online'],
    });
    expect([...result.remote.keys()]).toEqual(['remote.example']);
    expect(result.remote.get('remote.example')?.userIds.slice().sort()).toEqual([
      '@oscar:remote.example',
      '@watcher:remote.example',
    ]);
    expect(result.remote.get('remote.example')?.states.map((s) => s.userId)).toEqual([
      '@alice:hs.example',
      '@bob:hs.example',
    ]);
    expect(logger.messages('warn').join()).toMatch(/!gone:hs\.example dropped/);
  });

  it('routed destinations of excluded rooms still receive (exclusion is for default routing)', async () => {
    const seed: PresenceRouterModule = {
      getRoomsAndUsersForStates: (states) => [{ '!ex:hs.example': states }, {}],
    };
    const r = new PresenceRouter({
      serverName: HS,
      membership: new FixedMembership({
        '!ex:hs.example': ['@alice:hs.example', '@bob:hs.example'],
      }),
      modules: [seed],
      excludeRoomsFromPresence: ['!ex:hs.example'],
    });
    const result = await r.fanOut([online('@alice:hs.example')]);
    expect(Object.keys(plain(result.toMap()))).toEqual(['@alice:hs.example', '@bob:hs.example']);
  });
});

/** The reference semantics, written the slow, obvious way. */
async function reference(
  membership: FixedMembership,
  modules: PresenceRouterModule[],
  excluded: Set<string>,
  batch: UserPresenceState[],
): Promise<{ local: Record<string, string[]>; remote: Record<string, string[]> }> {
  const local = new Map<string, Set<string>>();
  const remote = new Map<string, Set<string>>();
  const deliver = (userId: string, state: UserPresenceState) => {
    const key = `${state.userId}=${state.state}`;
    const server = serverNameOf(userId);
    if (server === HS) {
      if (!local.has(userId)) local.set(userId, new Set());
      local.get(userId)?.add(key);
    } else if (serverNameOf(state.userId) === HS && server !== undefined) {
      if (!remote.has(server)) remote.set(server, new Set());
      remote.get(server)?.add(key);
    }
  };
  for (const state of batch) {
    if (serverNameOf(state.userId) === HS) deliver(state.userId, state);
    for (const [roomId, members] of membership.rooms) {
      if (excluded.has(roomId) || !members.includes(state.userId)) continue;
      for (const member of members) deliver(member, state);
    }
  }
  for (const module of modules) {
    if (module.getRoomsAndUsersForStates === undefined) continue;
    const [rooms, users] = (await module.getRoomsAndUsersForStates(batch)) as [
      Record<string, UserPresenceState[]>,
      Record<string, UserPresenceState[]>,
    ];
    for (const [roomId, states] of Object.entries(rooms)) {
      for (const member of membership.rooms.get(roomId) ?? [])
        for (const s of states) deliver(member, s);
    }
    for (const [userId, states] of Object.entries(users))
      for (const s of states) deliver(userId, s);
  }
  const sorted = (m: Map<string, Set<string>>) =>
    Object.fromEntries(
      [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]),
    );
  return { local: sorted(local), remote: sorted(remote) };
}

describe('PresenceRouter.fanOut — agrees with the reference semantics on random workloads', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`seed ${seed}`, async () => {
      const random = seededRandom(seed);
      const servers = [HS, HS, HS, 'remote.example', 'other.example:8448'];
      const users = Array.from(
        { length: 60 },
        (_, i) => `@u${i}:${servers[Math.floor(random() * servers.length)]}`,
      );
      const rooms: Record<string, string[]> = {};
      for (let r = 0; r < 25; r++) {
        const size = 1 + Math.floor(random() * 12);
        const members = new Set<string>();
        while (members.size < size)
          members.add(users[Math.floor(random() * users.length)] as string);
        rooms[`!r${r}:hs.example`] = [...members];
      }
      const membership = new FixedMembership(rooms);
      // Only rooms with a local member participate, as real sources answer.
      for (const [roomId, members] of membership.rooms) {
        if (!members.some((m) => serverNameOf(m) === HS)) membership.rooms.delete(roomId);
      }
      const excluded = new Set([`!r${Math.floor(random() * 25)}:hs.example`]);
      const routedRooms = [
        `!r${Math.floor(random() * 25)}:hs.example`,
        `!r${Math.floor(random() * 25)}:hs.example`,
      ];
      const routedUsers = [users[0] as string, `@outsider:remote.example`];
      const module: PresenceRouterModule = {
        getRoomsAndUsersForStates: (states) => [
          Object.fromEntries(
            routedRooms.map((roomId, i) => [roomId, states.filter((_, j) => j % 2 === i % 2)]),
          ),
          Object.fromEntries(routedUsers.map((userId) => [userId, states.slice(0, 3)])),
        ],
      };
      const batch = [
        ...new Set(
          Array.from({ length: 15 }, () => users[Math.floor(random() * users.length)] as string),
        ),
      ].map((userId) =>
        userPresenceState(userId, { state: random() < 0.5 ? 'online' : 'unavailable' }),
      );
      const router = new PresenceRouter({
        serverName: HS,
        membership,
        modules: [module],
        excludeRoomsFromPresence: excluded,
        logger: new RecordingLogger(),
      });
      const result = await router.fanOut(batch);
      const expected = await reference(membership, [module], excluded, batch);
      expect(plain(result.toMap())).toEqual(expected.local);
      expect(
        Object.fromEntries(
          [...result.remote]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([server, d]) => [server, d.states.map((s) => `${s.userId}=${s.state}`).sort()]),
        ),
      ).toEqual(expected.remote);
      // Every local recipient is in exactly one group, and every group receives something.
      const grouped = result.groups.flatMap((g) => [...g.userIds]);
      expect(new Set(grouped).size).toBe(grouped.length);
      expect(grouped.sort()).toEqual(Object.keys(expected.local).sort());
      expect(result.groups.every((g) => g.states.length > 0)).toBe(true);
    });
  }
});
