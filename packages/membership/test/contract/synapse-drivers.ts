/**
 * Contract drivers for `SynapseSqlMembership`: membership is changed by writing rows the way
 * Synapse does (`SynapseFixtureWriter`), and read back through the adapter.
 */
import type { SynapseFixtureWriter } from '../../src/testing.ts';
import type { MembershipContractDriver } from './membership-contract.ts';

/** The driver operations, over a fixture writer. */
export function writerOperations(
  writer: SynapseFixtureWriter,
): Omit<MembershipContractDriver, 'source' | 'close'> {
  return {
    setMembership: (roomId, userId, membership) => writer.setMembership(roomId, userId, membership),
    joinAll: (roomId, userIds) => writer.joinAll(roomId, userIds),
    changeProfile: (roomId, userId, displayName) =>
      writer.changeProfile(roomId, userId, { displayName }),
    serverLeave: (roomId) => writer.serverLeave(roomId),
    markPartialState: (roomId, partial) => writer.setPartialState(roomId, partial),
  };
}
