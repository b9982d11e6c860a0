import { FixedMembership, RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import {
  CallbackCollector,
  type FanOutResult,
  InvalidIdentifierError,
  InvalidPolicyError,
  type MembershipSource,
  type PresencePolicy,
  PresenceRouter,
  type PresenceRouterModule,
  userPresenceState,
} from '../src/index.ts';

const HS = 'hs.example';
const alice = `@alice:${HS}`;
const bob = `@bob:${HS}`;
const carol = `@carol:${HS}`;
const dave = `@dave:${HS}`;
const auditor = `@auditor:${HS}`;
const rita = '@rita:remote.example';
const sam = '@sam:other.example';
const team = `!team:${HS}`;
const pair = `!pair:${HS}`;
const ops = `!ops:${HS}`;
/** alice+bob+rita in !team, alice+carol in !pair, dave+sam in !ops. */
const rooms = {
  [team]: [alice, bob, rita],
  [pair]: [alice, carol],
  [ops]: [dave, sam],
};
const online = (userId: string) => userPresenceState(userId, { state: 'online' });

/** Adds: every state to the auditor, to !ops and to sam (remote). */
const adder: PresenceRouterModule = {
  moduleName: 'adder',
  getRoomsAndUsersForStates: (states) => [{ [ops]: states }, { [auditor]: states, [sam]: states }],
};

function denier(name: string, denial: Record<string, object>): PresenceRouterModule {
  return { moduleName: name, getDeniedRecipients: () => denial };
}

function router(
  policy: PresencePolicy = {},
  modules: PresenceRouterModule[] = [],
  membership?: MembershipSource,
) {
  const logger = new RecordingLogger();
  return {
    logger,
    router: new PresenceRouter({
      serverName: HS,
      membership: membership ?? new FixedMembership(rooms),
      modules,
      policy,
      logger,
    }),
  };
}

/** Local recipient -> senders, and remote server -> senders. */
function who(result: FanOutResult): {
  local: Record<string, string[]>;
  remote: Record<string, string[]>;
} {
  const local: Record<string, string[]> = {};
  for (const [userId, states] of [...result.toMap()].sort(([a], [b]) => a.localeCompare(b))) {
    local[userId] = states.map((s) => s.userId).sort();
  }
  const remote: Record<string, string[]> = {};
  for (const [server, d] of [...result.remote].sort(([a], [b]) => a.localeCompare(b))) {
    remote[server] = d.states.map((s) => s.userId).sort();
  }
  return { local, remote };
}

describe('the policy, each rule alone (fanOut of alice and dave)', () => {
  const batch = () => [online(alice), online(dave)];
  const table: [string, PresencePolicy, PresenceRouterModule[], ReturnType<typeof who>][] = [
    [
      'no policy: Synapse’s behaviour',
      {},
      [],
      {
        local: { [alice]: [alice], [bob]: [alice], [carol]: [alice], [dave]: [dave] },
        remote: { 'other.example': [dave], 'remote.example': [alice] },
      },
    ],
    [
      'defaultRouting false, no module: only the users themselves',
      { defaultRouting: false },
      [],
      { local: { [alice]: [alice], [dave]: [dave] }, remote: {} },
    ],
    [
      'defaultRouting false with a module: only the module decides',
      { defaultRouting: false },
      [adder],
      {
        local: { [alice]: [alice], [auditor]: [alice, dave], [dave]: [alice, dave] },
        remote: { 'other.example': [alice, dave] },
      },
    ],
    [
      'localOnly: remote recipients dropped',
      { localOnly: true },
      [],
      { local: { [alice]: [alice], [bob]: [alice], [carol]: [alice], [dave]: [dave] }, remote: {} },
    ],
    [
      'localOnly with remote module destinations: dropped too',
      { localOnly: true },
      [adder],
      {
        local: {
          [alice]: [alice],
          [auditor]: [alice, dave],
          [bob]: [alice],
          [carol]: [alice],
          [dave]: [alice, dave],
        },
        remote: {},
      },
    ],
    [
      'deny.users: bob receives nothing',
      { deny: { users: [bob] } },
      [],
      {
        local: { [alice]: [alice], [carol]: [alice], [dave]: [dave] },
        remote: { 'other.example': [dave], 'remote.example': [alice] },
      },
    ],
    [
      'deny.rooms: members of !pair receive nothing (alice still gets her own)',
      { deny: { rooms: [pair] } },
      [],
      {
        local: { [alice]: [alice], [bob]: [alice], [dave]: [dave] },
        remote: { 'other.example': [dave], 'remote.example': [alice] },
      },
    ],
    [
      'deny.servers: remote.example receives nothing',
      { deny: { servers: ['remote.example'] } },
      [],
      {
        local: { [alice]: [alice], [bob]: [alice], [carol]: [alice], [dave]: [dave] },
        remote: { 'other.example': [dave] },
      },
    ],
    [
      'deny.servers: this server — only the users themselves',
      { deny: { servers: [HS] } },
      [],
      {
        local: { [alice]: [alice], [dave]: [dave] },
        remote: { 'other.example': [dave], 'remote.example': [alice] },
      },
    ],
    [
      'deny wins over a module’s addition (auditor denied)',
      { deny: { users: [auditor] } },
      [adder],
      {
        local: {
          [alice]: [alice],
          [bob]: [alice],
          [carol]: [alice],
          [dave]: [alice, dave],
        },
        remote: { 'other.example': [alice, dave], 'remote.example': [alice] },
      },
    ],
    [
      'combined: defaultRouting false, localOnly, deny.users auditor, with a module',
      { defaultRouting: false, localOnly: true, deny: { users: [auditor] } },
      [adder],
      { local: { [alice]: [alice], [dave]: [alice, dave] }, remote: {} },
    ],
  ];
  for (const [name, policy, modules, expected] of table) {
    it(name, async () => {
      expect(who(await router(policy, modules).router.fanOut(batch()))).toEqual(expected);
    });
  }
});

describe('maxRoomSize: rooms over N members carry no default presence', () => {
  const members = (n: number) => Array.from({ length: n }, (_, i) => `@m${i}:${HS}`);
  const big = `!big:${HS}`;
  for (const [limit, size, reached] of [
    [5, 5, true],
    [5, 6, false],
    [1, 1, true],
    [1, 2, false],
  ] as const) {
    it(`max ${limit}, room of ${size}: ${reached ? 'delivered' : 'not delivered'}`, async () => {
      const membership = new FixedMembership({ [big]: members(size) });
      const { router: r } = router({ maxRoomSize: limit }, [], membership);
      const result = await r.fanOut([online('@m0:hs.example')]);
      expect(result.statesFor('@m0:hs.example').map((s) => s.userId)).toEqual(['@m0:hs.example']);
      expect(result.recipientCount).toBe(reached ? size : 1);
    });
  }

  it('a module’s room destination is not limited', async () => {
    const membership = new FixedMembership({ [big]: members(6) });
    const toBig: PresenceRouterModule = {
      getRoomsAndUsersForStates: (states) => [{ [big]: states }, {}],
    };
    const { router: r } = router({ maxRoomSize: 5 }, [toBig], membership);
    expect((await r.fanOut([online(alice)])).recipientCount).toBe(7);
  });

  it('a retried room over the limit keeps only what did not come from its members', async () => {
    const membership = new FixedMembership({ [big]: members(6) });
    const { router: r } = router({ maxRoomSize: 5 }, [], membership);
    const result = await r.fanOutRetry({
      users: [],
      rooms: new Map([[big, [online('@m1:hs.example'), online(alice)]]]),
    });
    expect(result.recipientCount).toBe(6);
    expect(result.statesFor('@m3:hs.example').map((s) => s.userId)).toEqual([alice]);
  });
});

describe('module denials: getDeniedRecipients', () => {
  const orders: [
    string,
    (a: PresenceRouterModule, d: PresenceRouterModule) => PresenceRouterModule[],
  ][] = [
    ['adder first', (a, d) => [a, d]],
    ['denier first', (a, d) => [d, a]],
  ];
  for (const [order, arrange] of orders) {
    describe(order, () => {
      it('denying a user wins over another module’s addition', async () => {
        const modules = arrange(adder, denier('deny-auditor', { '*': { users: [auditor] } }));
        const result = await router({}, modules).router.fanOut([online(alice)]);
        expect(result.statesFor(auditor)).toEqual([]);
        expect(result.statesFor(dave).map((s) => s.userId)).toEqual([alice]);
      });

      it('denying a room removes its members, whoever added them', async () => {
        const modules = arrange(adder, denier('deny-ops', { [alice]: { rooms: [ops] } }));
        const result = await router({}, modules).router.fanOut([online(alice), online(bob)]);
        // dave (in !ops) gets bob's state but not alice's; sam's server likewise.
        expect(result.statesFor(dave).map((s) => s.userId)).toEqual([bob]);
        expect(result.remote.get('other.example')?.states.map((s) => s.userId)).toEqual([bob]);
        expect(result.statesFor(auditor).map((s) => s.userId)).toEqual([alice, bob]);
      });

      it('denying a server removes its users, as one set operation over the server', async () => {
        const modules = arrange(
          adder,
          denier('deny-other', { '*': { servers: ['other.example'] } }),
        );
        const result = await router({}, modules).router.fanOut([online(alice)]);
        expect(result.remote.has('other.example')).toBe(false);
        expect(result.remote.get('remote.example')?.userIds).toEqual([rita]);
      });
    });
  }

  it('a remote server still gets a state when one of its recipients is not denied', async () => {
    const withRon = { ...rooms, [team]: [alice, bob, rita, '@ron:remote.example'] };
    const { router: r } = router(
      {},
      [denier('deny-rita', { [alice]: { users: [rita] } })],
      new FixedMembership(withRon),
    );
    const result = await r.fanOut([online(alice)]);
    expect(result.remote.get('remote.example')?.userIds).toEqual(['@ron:remote.example']);
    expect(result.allows(alice, rita)).toBe(false);
    expect(result.allows(alice, '@ron:remote.example')).toBe(true);
  });

  it('denials are per sender: other senders’ states still arrive, groups stay grouped', async () => {
    const members = Array.from({ length: 50 }, (_, i) => `@u${i}:${HS}`);
    const membership = new FixedMembership({
      '!all:hs.example': members,
      '!few:hs.example': members.slice(0, 10),
    });
    const { router: r } = router(
      {},
      [denier('d', { '@u0:hs.example': { rooms: ['!few:hs.example'] } })],
      membership,
    );
    const result = await r.fanOut([online('@u0:hs.example'), online('@u1:hs.example')]);
    // u0 apart (its own state always: it is in !few, which is denied u0's state), the rest of
    // !few with u1 (u1's state only), the others (both states): three groups, not one per
    // recipient.
    expect(result.groups.map((g) => [g.userIds.length, g.states.length]).sort()).toEqual(
      [
        [1, 2],
        [9, 1],
        [40, 2],
      ].sort(),
    );
    expect(result.statesFor('@u5:hs.example').map((s) => s.userId)).toEqual(['@u1:hs.example']);
  });

  it('a recipient left with nothing is no recipient', async () => {
    const { router: r } = router({}, [denier('d', { '*': { users: [bob] } })]);
    const result = await r.fanOut([online(alice)]);
    expect(result.toMap().has(bob)).toBe(false);
    expect(result.recipientCount).toBe(2);
    expect(result.groups.every((g) => g.states.length > 0)).toBe(true);
  });

  it('a sender is never denied its own state', async () => {
    const { router: r } = router({ deny: { users: [alice] } }, [
      denier('d', { '*': { users: [alice] } }),
    ]);
    const result = await r.fanOut([online(alice), online(carol)]);
    expect(result.statesFor(alice).map((s) => s.userId)).toEqual([alice]);
  });

  it('fails closed: a denial callback that throws withholds its states from all but their senders', async () => {
    const broken: PresenceRouterModule = {
      moduleName: 'broken',
      getDeniedRecipients: () => {
        throw new Error('boom');
      },
    };
    const { router: r, logger } = router({}, [broken]);
    const result = await r.fanOut([online(alice)]);
    expect(who(result)).toEqual({ local: { [alice]: [alice] }, remote: {} });
    expect(logger.messages('error').join()).toMatch(/broken failed in getDeniedRecipients/);
  });

  it.each([
    ['not a mapping', () => 'nope'],
    ['an entry that is not a denial', () => ({ [alice]: 'bob' })],
    ['a list that is a string', () => ({ [alice]: { users: bob } })],
  ])('fails closed on the wrong shape: %s', async (_why, callback) => {
    const wrong = {
      moduleName: 'wrong',
      getDeniedRecipients: callback,
    } as unknown as PresenceRouterModule;
    const result = await router({}, [wrong]).router.fanOut([online(alice)]);
    expect(Object.keys(who(result).local)).toEqual([alice]);
  });

  it('invalid IDs inside a denial match no one: dropped with a warning', async () => {
    const { router: r, logger } = router({}, [
      denier('d', { [alice]: { users: ['bob', bob] }, x: { users: [carol] } }),
    ]);
    const result = await r.fanOut([online(alice)]);
    expect(result.statesFor(bob)).toEqual([]);
    expect(result.statesFor(carol).map((s) => s.userId)).toEqual([alice]);
    expect(logger.messages('warn').join()).toMatch(/invalid ID "bob"/);
    expect(logger.messages('warn').join()).toMatch(/invalid sender "x"/);
  });

  it('a denied room that cannot be looked up withholds its states and reports them unrouted', async () => {
    const fixed = new FixedMembership(rooms);
    const membership: MembershipSource = {
      getRoomsForUsers: (ids) => fixed.getRoomsForUsers(ids),
      async getJoinedMembers(ids) {
        if (ids.includes(`!secret:${HS}`)) throw new Error('down');
        return fixed.getJoinedMembers(ids);
      },
    };
    const { router: r } = router({ deny: { rooms: [`!secret:${HS}`] } }, [], membership);
    const result = await r.fanOut([online(alice)]);
    expect(Object.keys(who(result).local)).toEqual([alice]);
    expect([...result.unrouted.users.keys()]).toEqual([alice]);
  });

  it('getUsersForStates applies denials and localOnly to the modules’ destinations', async () => {
    const { router: r } = router({ localOnly: true }, [
      adder,
      denier('d', { '*': { users: [auditor] } }),
    ]);
    const routed = await r.getUsersForStates([online(alice)]);
    expect([...routed.keys()].sort()).toEqual([dave]);
  });

  it('a module may only deny; registered through the ModuleApi it is kept', () => {
    const collector = new CallbackCollector('deny_only');
    collector.register({ getDeniedRecipients: () => ({}) });
    const [module] = collector.modulesFor({});
    expect(typeof module?.getDeniedRecipients).toBe('function');
    expect(() => router({}, [{ getDeniedRecipients: () => ({}) }])).not.toThrow();
  });
});

describe('fanOutRetry applies the policy and the denials too', () => {
  it('deny lists and module denials hold on a retry', async () => {
    const { router: r } = router({ deny: { users: [bob] } }, [
      denier('d', { '*': { users: [carol] } }),
    ]);
    const result = await r.fanOutRetry({ users: [online(alice)], rooms: new Map() });
    // Alice is a member of her rooms (not a self delivery: a retry makes none).
    expect(who(result)).toEqual({
      local: { [alice]: [alice] },
      remote: { 'remote.example': [alice] },
    });
  });
});

describe('policy validation', () => {
  it.each([
    [{ maxRoomSize: 0 }, InvalidPolicyError],
    [{ maxRoomSize: -3 }, InvalidPolicyError],
    [{ maxRoomSize: 2.5 }, InvalidPolicyError],
    [{ defaultRouting: 'no' }, InvalidPolicyError],
    [{ deny: { users: '@a:hs' } }, InvalidPolicyError],
    [{ deny: { users: ['alice'] } }, InvalidIdentifierError],
    [{ deny: { rooms: ['lobby'] } }, InvalidIdentifierError],
    [{ deny: { servers: ['bad host'] } }, InvalidIdentifierError],
  ])('%o is refused', (policy, error) => {
    expect(() => router(policy as PresencePolicy)).toThrow(error);
  });

  it('router.policy shows what applies', () => {
    const { router: r } = router({ maxRoomSize: 3, deny: { servers: ['x.example'] } });
    expect(r.policy).toEqual({
      defaultRouting: true,
      localOnly: false,
      maxRoomSize: 3,
      deny: { users: new Set(), rooms: new Set(), servers: new Set(['x.example']) },
    });
  });
});
