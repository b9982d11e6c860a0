import { InMemoryMembership } from '../../src/index.ts';
import { describeMembershipContract } from './membership-contract.ts';

describeMembershipContract(
  'InMemoryMembership',
  async ({ serverName }) => {
    const source = new InMemoryMembership({ serverName });
    return {
      source,
      setMembership: async (roomId, userId, membership) =>
        source.setMembership(roomId, userId, membership),
      joinAll: async (roomId, userIds) => source.joinAll(roomId, userIds),
      changeProfile: async (roomId, userId) => source.join(roomId, userId),
      serverLeave: async (roomId) => source.serverLeave(roomId),
      markPartialState: async (roomId, partial) => source.markPartialState(roomId, partial),
      close: async () => {},
    };
  },
  { capabilities: { roomStatus: true, partialState: true, leftVsUnknown: true } },
);
