import { FixedMembership, RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import {
  ALL_USERS,
  type PresencePolicy,
  PresenceRouter,
  type PresenceRouterModule,
  userPresenceState,
} from '../src/index.ts';

const HS = 'hs.example';
const alice = `@alice:${HS}`;
const bob = `@bob:${HS}`;
const carol = `@carol:${HS}`;
const auditor = `@auditor:${HS}`;
const rita = '@rita:remote.example';
const lobby = `!lobby:${HS}`;
const big = `!big:${HS}`;
const crowd = Array.from({ length: 10 }, (_, i) => `@c${i}:${HS}`);
/** alice+bob+rita in !lobby; carol, bob and ten others in !big (12 members). */
const rooms = { [lobby]: [alice, bob, rita], [big]: [carol, bob, ...crowd] };
const online = (userId: string) => userPresenceState(userId, { state: 'online' });

/** The auditor is interested in everyone and receives every update. */
const audit: PresenceRouterModule = {
  moduleName: 'audit',
  getUsersForStates: (states) => ({ [auditor]: states }),
  getInterestedUsers: (userId) => (userId === auditor ? ALL_USERS : []),
};
/** Alice's presence must not reach the auditor. */
const shield: PresenceRouterModule = {
  moduleName: 'shield',
  getDeniedRecipients: () => ({ [alice]: { users: [auditor] } }),
};

function router(policy: PresencePolicy = {}, modules: PresenceRouterModule[] = [audit]) {
  return new PresenceRouter({
    serverName: HS,
    membership: new FixedMembership(rooms),
    modules,
    policy,
    logger: new RecordingLogger(),
  });
}

describe('canSee under the policy and denials (table)', () => {
  const table: [string, PresencePolicy, PresenceRouterModule[], string, string, boolean][] = [
    ['co-members, no policy', {}, [], bob, alice, true],
    ['co-members, defaultRouting false', { defaultRouting: false }, [], bob, alice, false],
    [
      'defaultRouting false, a module still routes',
      { defaultRouting: false },
      [audit],
      auditor,
      alice,
      true,
    ],
    ['big room at its limit (12)', { maxRoomSize: 12 }, [], carol, bob, true],
    ['big room over the limit (11 < 12)', { maxRoomSize: 11 }, [], carol, bob, false],
    ['denied user as viewer', { deny: { users: [bob] } }, [], bob, alice, false],
    ['denied room as viewer’s room', { deny: { rooms: [big] } }, [], bob, alice, false],
    ['denied room, viewer not in it', { deny: { rooms: [big] } }, [], alice, bob, true],
    [
      'denied server as viewer’s server',
      { deny: { servers: ['remote.example'] } },
      [],
      rita,
      alice,
      false,
    ],
    ['localOnly: a remote viewer', { localOnly: true }, [], rita, alice, false],
    ['localOnly: a local viewer of a remote user', { localOnly: true }, [], alice, rita, true],
    [
      'module deny wins over ALL_USERS (audit then shield)',
      {},
      [audit, shield],
      auditor,
      alice,
      false,
    ],
    [
      'module deny wins over ALL_USERS (shield then audit)',
      {},
      [shield, audit],
      auditor,
      alice,
      false,
    ],
    ['module deny is per sender', {}, [audit, shield], auditor, bob, true],
    ['itself, even when denied', { deny: { users: [bob] } }, [], bob, bob, true],
  ];
  for (const [name, policy, modules, viewer, target, visible] of table) {
    it(name, async () => {
      expect(await router(policy, modules).canSee(viewer, target, online(target))).toEqual({
        visible,
        complete: true,
      });
    });
  }
});

describe('usersSeenBy, statesSeenBy and getInterestedUsers', () => {
  it('usersSeenBy: defaultRouting false leaves co-members out, maxRoomSize big rooms', async () => {
    expect((await router({ defaultRouting: false }, []).usersSeenBy(bob)).users).toEqual(
      new Set([bob]),
    );
    expect((await router({ maxRoomSize: 11 }, []).usersSeenBy(bob)).users).toEqual(
      new Set([bob, alice, rita]),
    );
  });

  it('a user the policy denies sees only itself, and the modules are not asked', async () => {
    const r = router({ deny: { users: [auditor] } });
    expect(await r.usersSeenBy(auditor)).toEqual({ users: new Set([auditor]), complete: true });
    expect(await r.getInterestedUsers(auditor)).toEqual(new Set());
    expect(await router().getInterestedUsers(auditor)).toBe(ALL_USERS);
  });

  it('statesSeenBy applies the module denials of each state (ALL_USERS viewer)', async () => {
    const r = router({}, [audit, shield]);
    const states = [online(alice), online(bob), online(auditor)];
    const seen = await r.statesSeenBy(auditor, states);
    expect(seen.states.map((s) => s.userId)).toEqual([bob, auditor]);
    expect(seen.complete).toBe(true);
  });

  it('FanOutResult.allows answers the read side for a batch', async () => {
    const r = router({ localOnly: true }, [audit, shield]);
    const result = await r.fanOut([online(alice), online(bob)]);
    expect(result.allows(alice, auditor)).toBe(false);
    expect(result.allows(bob, auditor)).toBe(true);
    expect(result.allows(alice, alice)).toBe(true);
    expect(result.allows(bob, rita)).toBe(false);
  });
});

describe('explain names the rule that denied', () => {
  it.each([
    [{ deny: { rooms: [big] } }, [], alice, bob, `denied by presence.deny.rooms ${big}`],
    [{ deny: { users: [bob] } }, [], alice, bob, `denied by presence.deny.users ${bob}`],
    [
      { deny: { servers: ['remote.example'] } },
      [],
      alice,
      rita,
      'denied by presence.deny.servers remote.example',
    ],
    [{ localOnly: true }, [], alice, rita, `local_only: ${rita} is not on ${HS}`],
    [{}, [audit, shield], alice, auditor, `denied by routing module shield (users: ${auditor})`],
  ] as [PresencePolicy, PresenceRouterModule[], string, string, string][])(
    '%o',
    async (policy, modules, from, to, rule) => {
      const why = await router(policy, modules).explain(from, to, online(from));
      expect(why.receives).toBe(false);
      expect(why.denials).toEqual([rule]);
      expect(why.summary).toContain(rule);
    },
  );

  it('a module’s verdict lists what it denies; the additions are still given as reasons', async () => {
    const why = await router({}, [audit, shield]).explain(alice, auditor, online(alice));
    expect(why.modules.map((m) => [m.module, m.routesUpdates, m.denies])).toEqual([
      ['audit', true, []],
      ['shield', false, [`denied by routing module shield (users: ${auditor})`]],
    ]);
    expect(why.reasons.length).toBeGreaterThan(0);
    expect(why.summary).toMatch(/deny wins over/);
  });

  it('max_room_size and default_routing are named as limits on the shared rooms', async () => {
    const small = await router({ maxRoomSize: 11 }, []).explain(bob, carol, online(bob));
    expect(small).toMatchObject({ receives: false, sharedRooms: [], denials: [] });
    expect(small.limits).toEqual([
      `max_room_size 11 < 12 members: ${big} carries no default presence`,
    ]);
    const off = await router({ defaultRouting: false }, []).explain(alice, bob, online(alice));
    expect(off.receives).toBe(false);
    expect(off.limits).toEqual([
      `presence.default_routing is false: ${lobby} carries no default presence`,
    ]);
    const at = await router({ maxRoomSize: 12 }, []).explain(bob, carol, online(bob));
    expect(at).toMatchObject({ receives: true, sharedRooms: [big], limits: [] });
  });
});
