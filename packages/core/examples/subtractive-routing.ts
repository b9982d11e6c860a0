/**
 * The README's subtractive-routing example, kept runnable: `test/subtractive-example.test.ts`
 * runs it and checks every answer (`pnpm --filter @presence-router/core exec vitest run
 * test/subtractive-example.test.ts`).
 */
import {
  ALL_USERS,
  type MembershipSource,
  PresenceRouter,
  type PresenceRouterModule,
  userPresenceState,
} from '@presence-router/core';

const rooms = new Map([
  ['!team:hs.example', ['@alice:hs.example', '@bob:hs.example', '@rita:remote.example']],
  [
    '!town:hs.example',
    ['@alice:hs.example', '@carol:hs.example', '@dan:hs.example', '@eve:hs.example'],
  ],
]);
const membership: MembershipSource = {
  async getJoinedMembers(roomIds) {
    return new Map(roomIds.filter((r) => rooms.has(r)).map((r) => [r, rooms.get(r)!]));
  },
  async getRoomsForUsers(userIds) {
    return new Map(
      userIds.map((u) => [u, [...rooms].filter(([, m]) => m.includes(u)).map(([r]) => r)]),
    );
  },
};

// A Synapse-shaped module: the auditor receives (and may see) everyone's presence.
const audit: PresenceRouterModule = {
  getUsersForStates: (states) => ({ '@auditor:hs.example': states }),
  getInterestedUsers: (userId) => (userId === '@auditor:hs.example' ? ALL_USERS : []),
};
// A module that only subtracts: Alice's presence never reaches the auditor. It wins over
// `audit` whichever comes first.
const privacy: PresenceRouterModule = {
  moduleName: 'privacy',
  getDeniedRecipients: () => ({ '@alice:hs.example': { users: ['@auditor:hs.example'] } }),
};

const router = new PresenceRouter({
  serverName: 'hs.example',
  membership,
  modules: [audit, privacy],
  // The operator's policy: !town (4 members) is too big for default presence, and nothing
  // leaves this server.
  policy: { maxRoomSize: 3, localOnly: true },
});

export async function runExample() {
  const alice = userPresenceState('@alice:hs.example', { state: 'online' });
  const bob = userPresenceState('@bob:hs.example', { state: 'online' });
  const result = await router.fanOut([alice, bob]);
  const received = Object.fromEntries(
    [...result.toMap()].map(([userId, states]) => [userId, states.map((s) => s.userId)]),
  );
  const why = await router.explain('@alice:hs.example', '@auditor:hs.example', alice);
  const town = await router.explain('@alice:hs.example', '@carol:hs.example', alice);
  return {
    received,
    remote: result.remote.size,
    auditorSeesAlice: (await router.canSee('@auditor:hs.example', '@alice:hs.example', alice))
      .visible,
    denials: why.denials,
    limits: town.limits,
  };
}
