/** PostgreSQL specifics of SynapseSqlMembership: connection strings, a read-only role, outages. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { MembershipError } from '../src/index.ts';
import { SynapseSqlMembership } from '../src/synapse.ts';
import { createSynapseSchema, SynapseFixtureWriter } from '../src/testing.ts';
import { createTestSchema, requirePostgres } from './support/postgres.ts';

const url = await requirePostgres('the PostgreSQL adapter tests');

describe.skipIf(url === undefined)(
  'SynapseSqlMembership on PostgreSQL',
  { timeout: 60_000 },
  () => {
    const base = url as string;

    it('works through a read-only role given as a connection string', async () => {
      const schema = await createTestSchema(base);
      const role = `pr_ro_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      let source: SynapseSqlMembership | undefined;
      try {
        await createSynapseSchema(schema.pool);
        await new SynapseFixtureWriter(schema.pool, { serverName: 'hs.example' }).joinAll(
          '!r:hs.example',
          ['@a:hs.example', '@b:remote.example'],
        );
        await admin.query(`CREATE ROLE ${role} LOGIN`);
        await admin.query(`GRANT USAGE ON SCHEMA ${schema.schema} TO ${role}`);
        await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema.schema} TO ${role}`);
        const roleUrl = new URL(base);
        roleUrl.username = role;
        roleUrl.searchParams.set('options', `-c search_path=${schema.schema}`);
        source = await SynapseSqlMembership.open({ postgresUrl: roleUrl.toString() });
        const members = (await source.getJoinedMembers(['!r:hs.example'])).get('!r:hs.example');
        expect([...(members ?? [])].sort()).toEqual(['@a:hs.example', '@b:remote.example']);
        // The role really is read-only: a write through the same pool fails.
        const write = await source.driver
          .select("INSERT INTO rooms (room_id) VALUES ('!w:hs.example') RETURNING room_id")
          .catch((e: unknown) => e);
        expect((write as MembershipError).code).toBe('DATABASE_ERROR');
      } finally {
        await source?.close();
        await schema.drop();
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
        await admin.end();
      }
    });

    it('reports an unreachable server as DATABASE_ERROR with the cause', async () => {
      const source = new SynapseSqlMembership({
        postgresUrl: 'postgresql://root@127.0.0.1:1/test',
      });
      try {
        const error = await source.getJoinedMembers(['!r:hs.example']).catch((e: unknown) => e);
        expect((error as MembershipError).code).toBe('DATABASE_ERROR');
        expect((error as MembershipError).cause).toBeInstanceOf(Error);
      } finally {
        await source.close();
      }
    });

    it('reports a schema without Synapse tables as SCHEMA_MISMATCH', async () => {
      const schema = await createTestSchema(base);
      try {
        const error = await SynapseSqlMembership.open({ postgresPool: schema.pool }).catch(
          (e: unknown) => e,
        );
        expect((error as MembershipError).code).toBe('SCHEMA_MISMATCH');
        expect((error as MembershipError).message).toContain('rooms');
      } finally {
        await schema.drop();
      }
    });

    it('leaves a pool it was given open after close', async () => {
      const schema = await createTestSchema(base);
      try {
        await createSynapseSchema(schema.pool);
        const source = await SynapseSqlMembership.open({ postgresPool: schema.pool });
        await source.close();
        const { rows } = await schema.pool.query('SELECT COUNT(*)::int AS n FROM rooms');
        expect(rows).toEqual([{ n: 0 }]);
      } finally {
        await schema.drop();
      }
    });
  },
);
