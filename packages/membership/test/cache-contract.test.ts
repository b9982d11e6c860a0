/**
 * The membership contract suite against `CachedMembership`: every change made through the
 * driver reaches the cache as an invalidation (the in-memory source's change feed), so the
 * cached answers must always equal the source's.
 */
import {
  CachedMembership,
  InMemoryMembership,
  invalidateOnChanges,
  MatrixHttpMembership,
} from '../src/index.ts';
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

// The cache answers members and rooms only: room statuses are not cached (it has no
// getRoomStatuses), which the suite reports as skipped cases.
describeMembershipContract(
  'CachedMembership over InMemoryMembership',
  async ({ serverName }) => {
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
  },
  { capabilities: { roomStatus: false, partialState: true, leftVsUnknown: false } },
);

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
  { capabilities: { roomStatus: false, partialState: false, leftVsUnknown: false } },
);
