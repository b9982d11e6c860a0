/** The README's example, kept runnable: `tsx --conditions=@presence-router/source packages/core/examples/readme-example.ts`. */
import {
  ALL_USERS,
  type MembershipSource,
  PresenceRouter,
  userPresenceState,
} from '@presence-router/core';

// Any batched membership source; @presence-router/membership has in-memory, SQL and HTTP ones.
const rooms = new Map([
  ['!team:hs.example', ['@alice:hs.example', '@bob:hs.example', '@rita:remote.example']],
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

const router = new PresenceRouter({
  serverName: 'hs.example',
  membership,
  modules: [
    {
      // Synapse's pair: the auditor receives everyone's presence.
      getUsersForStates: (states) => ({ '@auditor:hs.example': states }),
      getInterestedUsers: (userId) => (userId === '@auditor:hs.example' ? ALL_USERS : new Set()),
    },
  ],
});

const result = await router.fanOut([userPresenceState('@alice:hs.example', { state: 'online' })]);
for (const group of result.groups)
  console.log(
    group.userIds,
    group.states.map((s) => s.userId),
  );
// [ '@alice:hs.example', '@bob:hs.example' ] [ '@alice:hs.example' ]
// [ '@auditor:hs.example' ] [ '@alice:hs.example' ]
for (const [server, dest] of result.remote) console.log(server, dest.userIds);
// remote.example [ '@rita:remote.example' ]
console.log((await router.getInterestedUsers('@auditor:hs.example')) === ALL_USERS); // true
