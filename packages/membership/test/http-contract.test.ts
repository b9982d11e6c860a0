/**
 * The membership contract suite against the HTTP adapter: membership is changed in the
 * `InMemoryMembership` behind a fake homeserver and read back over real HTTP.
 */
import type { MembershipSource } from '@presence-router/core';
import { MatrixHttpMembership } from '../src/http/joined-members-http.ts';
import { InMemoryMembership } from '../src/in-memory-membership.ts';
import {
  describeMembershipContract,
  type MembershipContractDriver,
} from './contract/membership-contract.ts';
import { FakeMatrixServer } from './support/fake-matrix-server.ts';

function memoryOperations(
  memory: InMemoryMembership,
): Omit<MembershipContractDriver, 'source' | 'close'> {
  return {
    setMembership: async (roomId, userId, membership) =>
      memory.setMembership(roomId, userId, membership),
    joinAll: async (roomId, userIds) => memory.joinAll(roomId, userIds),
    changeProfile: async (roomId, userId) => memory.join(roomId, userId),
    serverLeave: async (roomId) => memory.serverLeave(roomId),
    // No markPartialState: neither API tells whether a member list is partial.
  };
}

describeMembershipContract('MatrixHttpMembership, Synapse admin API', async ({ serverName }) => {
  const memory = new InMemoryMembership({ serverName });
  const server = await FakeMatrixServer.start({ membership: memory });
  const source = new MatrixHttpMembership({
    baseUrl: server.url,
    auth: { type: 'admin', accessToken: 'admin-token' },
    serverName,
  });
  return {
    source,
    ...memoryOperations(memory),
    close: async () => {
      source.close();
      await server.close();
    },
  };
});

describeMembershipContract(
  'MatrixHttpMembership, client-server API as an appservice user in every room',
  async ({ serverName }) => {
    const memory = new InMemoryMembership({ serverName });
    const server = await FakeMatrixServer.start({
      membership: memory,
      requesterSeesAllRooms: true,
    });
    const http = new MatrixHttpMembership({
      baseUrl: server.url,
      auth: { type: 'appservice', asToken: 'as-token', userId: `@bridge:${serverName}` },
      scanJoinedRooms: true,
    });
    // Client mode cannot tell "left" from "unknown" (Synapse answers 403 for both), so its
    // statuses are kept out of this run; the admin run above checks them.
    const source: MembershipSource = {
      getJoinedMembers: (roomIds) => http.getJoinedMembers(roomIds),
      getRoomsForUsers: (userIds) => http.getRoomsForUsers(userIds),
    };
    return {
      source,
      ...memoryOperations(memory),
      close: async () => {
        http.close();
        await server.close();
      },
    };
  },
);
