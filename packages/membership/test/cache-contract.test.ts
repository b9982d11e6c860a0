/**
 * The membership contract suite against `CachedMembership`: every change made through the
 * driver reaches the cache as an invalidation (the in-memory source's change feed), so the
 * cached answers must always equal the source's.
 */
import { invalidateOnChanges } from '../src/cache/cache-invalidation.ts';
import { CachedMembership } from '../src/cache/cached-membership.ts';
import { MatrixHttpMembership } from '../src/http/joined-members-http.ts';
import { InMemoryMembership } from '../src/in-memory-membership.ts';
import { describeMembershipContract } from './contract/membership-contract.ts';
import { FakeMatrixServer } from './support/fake-matrix-server.ts';

/** Reads every answer twice: the second read must come from the cache and agree. */
function readTwice(cache: CachedMembership): CachedMembership {
  const members = cache.getJoinedMembers.bind(cache);
  const rooms = cache.getRoomsForUsers.bind(cache);
  cache.getJoinedMembers = async (roomIds) => {
    await members(roomIds);
    return members(roomIds);
  };
  cache.getRoomsForUsers = async (userIds) => {
    await rooms(userIds);
    return rooms(userIds);
  };
  return cache;
}

describeMembershipContract('CachedMembership over InMemoryMembership', async ({ serverName }) => {
  const memory = new InMemoryMembership({ serverName });
  const cache = readTwice(new CachedMembership(memory, { ttlMs: Number.POSITIVE_INFINITY }));
  const disconnect = invalidateOnChanges(cache, (listener) => memory.onChange(listener));
  return {
    source: cache,
    setMembership: async (roomId, userId, membership) =>
      memory.setMembership(roomId, userId, membership),
    joinAll: async (roomId, userIds) => memory.joinAll(roomId, userIds),
    changeProfile: async (roomId, userId) => memory.join(roomId, userId),
    serverLeave: async (roomId) => memory.serverLeave(roomId),
    markPartialState: async (roomId, partial) => memory.markPartialState(roomId, partial),
    close: async () => disconnect(),
  };
});

describeMembershipContract(
  'CachedMembership over MatrixHttpMembership (admin API)',
  async ({ serverName }) => {
    const memory = new InMemoryMembership({ serverName });
    const server = await FakeMatrixServer.start({ membership: memory });
    const http = new MatrixHttpMembership({
      baseUrl: server.url,
      auth: { type: 'admin', accessToken: 'admin-token' },
      serverName,
    });
    const cache = readTwice(new CachedMembership(http, { ttlMs: Number.POSITIVE_INFINITY }));
    const disconnect = invalidateOnChanges(cache, (listener) => memory.onChange(listener));
    return {
      source: cache,
      setMembership: async (roomId, userId, membership) =>
        memory.setMembership(roomId, userId, membership),
      joinAll: async (roomId, userIds) => memory.joinAll(roomId, userIds),
      changeProfile: async (roomId, userId) => memory.join(roomId, userId),
      serverLeave: async (roomId) => memory.serverLeave(roomId),
      close: async () => {
        disconnect();
        http.close();
        await server.close();
      },
    };
  },
);
