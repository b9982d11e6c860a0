import { SynapseSqlMembership } from '../../src/synapse.ts';
import { createSynapseSchema, SynapseFixtureWriter } from '../../src/testing.ts';
import { createTestSchema, requirePostgres } from '../support/postgres.ts';
import { describeMembershipContract } from './membership-contract.ts';
import { writerOperations } from './synapse-drivers.ts';

const url = await requirePostgres('the PostgreSQL membership contract');

if (url !== undefined) {
  describeMembershipContract(
    'SynapseSqlMembership on PostgreSQL',
    async ({ serverName }) => {
      const schema = await createTestSchema(url);
      await createSynapseSchema(schema.pool);
      const writer = new SynapseFixtureWriter(schema.pool, { serverName });
      const source = await SynapseSqlMembership.open({ postgresPool: schema.pool });
      return {
        source,
        ...writerOperations(writer),
        close: async () => {
          await source.close();
          await schema.drop();
        },
      };
    },
    { capabilities: { roomStatus: true, partialState: true, leftVsUnknown: true } },
  );
}
