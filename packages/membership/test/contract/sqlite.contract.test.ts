import { SynapseSqlMembership } from '../../src/synapse.ts';
import { SynapseFixtureWriter } from '../../src/testing.ts';
import { createTestSqliteFile } from '../support/sqlite.ts';
import { describeMembershipContract } from './membership-contract.ts';
import { writerOperations } from './synapse-drivers.ts';

describeMembershipContract(
  'SynapseSqlMembership on SQLite',
  async ({ serverName }) => {
    const file = await createTestSqliteFile();
    const writer = new SynapseFixtureWriter(file.db, { serverName });
    // The adapter opens the file itself, read-only, as against a real homeserver.db.
    const source = await SynapseSqlMembership.open({ sqlitePath: file.path });
    return {
      source,
      ...writerOperations(writer),
      close: async () => {
        await source.close();
        file.remove();
      },
    };
  },
  { capabilities: { roomStatus: true, partialState: true, leftVsUnknown: true } },
);
