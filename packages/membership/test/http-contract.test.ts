/**
 * The membership contract suite against the HTTP adapter: membership is changed in the
 * `InMemoryMembership` behind a fake homeserver and read back over real HTTP.
 */
import { InMemoryMembership, MatrixHttpMembership } from '../src/index.ts';
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

describeMembershipContract(
  'MatrixHttpMembership, Synapse admin API',
  async ({ serverName }) => {
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
  },
  // Neither API tells whether a member list is partial.
  { capabilities: { roomStatus: true, partialState: false, leftVsUnknown: true } },
);

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
    return {
      source: http,
      ...memoryOperations(memory),
      close: async () => {
        http.close();
        await server.close();
      },
    };
  },
  // Synapse answers 403 both for rooms left and for unknown rooms: both are `left`.
  { capabilities: { roomStatus: true, partialState: false, leftVsUnknown: false } },
);
