import { FixedMembership, RecordingLogger } from '@presence-router/test-support';
import { describe, expect, it } from 'vitest';
import {
  ALL_USERS,
  type MembershipSource,
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
const rooms = {
  [`!lobby:${HS}`]: [alice, bob],
  [`!quiet:${HS}`]: [bob, carol],
  [`!ops:${HS}`]: [carol, dave],
};
const online = (userId: string) => userPresenceState(userId, { state: 'online' });

/** Everything to the auditor (write side), who is interested in everyone (read side); dave's updates to alice. */
const audit: PresenceRouterModule = {
  moduleName: 'audit',
  getUsersForStates: (states) => ({
    [auditor]: states,
    ...(states.some((s) => s.userId === dave)
      ? { [alice]: states.filter((s) => s.userId === dave) }
      : {}),
  }),
  getInterestedUsers: (userId) => (userId === auditor ? ALL_USERS : []),
  explain: (from, to) =>
    to === auditor
      ? ['everything goes to the auditor']
      : from === dave && to === alice
        ? ['dave to alice']
        : [],
};

function router(membership: MembershipSource = new FixedMembership(rooms)) {
  return new PresenceRouter({
    serverName: HS,
    membership,
    modules: [audit],
    excludeRoomsFromPresence: [`!quiet:${HS}`],
    logger: new RecordingLogger(),
  });
}

describe('the read side: usersSeenBy', () => {
  it('itself, co-members of its rooms but excluded ones, and the modules’ read side', async () => {
    expect(await router().usersSeenBy(bob)).toEqual({
      users: new Set([bob, alice]),
      complete: true,
    });
    expect(await router().usersSeenBy(auditor)).toEqual({ users: ALL_USERS, complete: true });
  });

  it('says when rooms could not be looked up', async () => {
    const broken: MembershipSource = {
      getJoinedMembers: async () => {
        throw new Error('down');
      },
      getRoomsForUsers: async (ids) => new Map(ids.map((id) => [id, [`!lobby:${HS}`]])),
    };
    expect(await router(broken).usersSeenBy(bob)).toEqual({
      users: new Set([bob]),
      complete: false,
    });
  });
});

describe('visibility: canSee', () => {
  it.each([
    ['itself', bob, bob, true],
    ['a co-member', bob, alice, true],
    ['only an excluded room shared', bob, carol, false],
    ['nothing shared', alice, carol, false],
    ['the read side (ALL_USERS)', auditor, carol, true],
    ['the write side of the target’s state', alice, dave, true],
  ])('%s', async (_why, viewer, target, visible) => {
    expect(await router().canSee(viewer, target, online(target))).toEqual({
      visible,
      complete: true,
    });
  });

  it('a "no" that depends on rooms that failed is incomplete', async () => {
    const broken: MembershipSource = {
      getJoinedMembers: async () => {
        throw new Error('down');
      },
      getRoomsForUsers: async (ids) => new Map(ids.map((id) => [id, [`!lobby:${HS}`]])),
    };
    expect(await router(broken).canSee(alice, carol, online(carol))).toEqual({
      visible: false,
      complete: false,
    });
  });
});

describe('explain', () => {
  it('names shared rooms, excluded ones, and each module’s sides and rules', async () => {
    const why = await router().explain(dave, alice, online(dave));
    expect(why.receives).toBe(true);
    expect(why.sharedRooms).toEqual([]);
    expect(why.modules).toEqual([
      {
        module: 'audit',
        routesUpdates: true,
        interested: false,
        rules: ['dave to alice'],
        denies: [],
      },
    ]);
    expect(why.reasons).toEqual([
      `routing module audit sends ${dave}'s updates to ${alice} (dave to alice)`,
    ]);
    const excluded = await router().explain(carol, bob, online(carol));
    expect(excluded).toMatchObject({
      receives: false,
      sharedRooms: [],
      excludedSharedRooms: [`!quiet:${HS}`],
      complete: true,
    });
    expect(excluded.summary).toMatch(/every room they share is excluded from presence/);
  });

  it('a module that fails is reported, not thrown', async () => {
    const failing: PresenceRouterModule = {
      moduleName: 'broken',
      getUsersForStates: () => {
        throw new Error('boom');
      },
      getInterestedUsers: () => [],
    };
    const r = new PresenceRouter({
      serverName: HS,
      membership: new FixedMembership(rooms),
      modules: [failing],
      logger: new RecordingLogger(),
      moduleNames: ['my_module.Broken'],
    });
    const why = await r.explain(alice, bob, online(alice));
    expect(why.receives).toBe(true);
    expect(why.modules[0]).toMatchObject({ module: 'my_module.Broken', routesUpdates: false });
  });
});

describe('delivering to a set of users: forEachGroupAmong', () => {
  it('visits each group with its members in the set only', async () => {
    const r = router();
    const result = await r.fanOut([online(alice), online(carol)]);
    const visited: [string[], string[]][] = [];
    const deliveries = result.forEachGroupAmong(
      r.userSet([bob, dave, auditor]),
      (users, states) => {
        visited.push([[...users].sort(), states.map((s) => s.userId)]);
      },
    );
    expect(visited.sort()).toEqual(
      [
        [[bob], [alice]],
        [[dave], [carol]],
        [[auditor], [alice, carol]],
      ].sort(),
    );
    expect(deliveries).toBe(4);
    expect(result.forEachGroupAmong(r.userSet([]), () => {})).toBe(0);
    expect(() => result.forEachGroupAmong(router().userSet([bob]), () => {})).toThrow(
      /another PresenceRouter/,
    );
  });
});

describe('preloadRooms', () => {
  it('looks up the rooms it is given once, and counts the ones it loaded', async () => {
    const membership = new FixedMembership(rooms);
    const r = new PresenceRouter({ serverName: HS, membership, logger: new RecordingLogger() });
    expect(await r.preloadRooms([`!lobby:${HS}`, `!ops:${HS}`, `!gone:${HS}`])).toBe(2);
    expect(membership.calls.members).toEqual([[`!lobby:${HS}`, `!ops:${HS}`, `!gone:${HS}`]]);
  });
});
