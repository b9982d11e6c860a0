/**
 * Test support: the two Synapse database backends behind one interface, so SQL tests run the
 * same cases on SQLite and PostgreSQL. PostgreSQL is probed once; see `postgres.ts`.
 */

import { SynapseSqlMembership } from '../../src/synapse.ts';
import { createSynapseSchema, type FixtureDatabase } from '../../src/testing.ts';
import { createTestSchema, requirePostgres } from './postgres.ts';
import { createTestSqliteFile } from './sqlite.ts';

/** A fresh Synapse-shaped database. */
export interface SynapseTestDatabase {
  /** Writable handle for the fixture writer. */
  readonly db: FixtureDatabase;
  /** Opens the adapter the way a deployment would (a path, or a pool). */
  open(): Promise<SynapseSqlMembership>;
  /** Runs a query on the writable handle; returns rows. */
  rows<Row = Record<string, unknown>>(sql: string): Promise<Row[]>;
  /** Removes everything. */
  cleanup(): Promise<void>;
}

/** A backend to run SQL tests against. */
export interface SynapseTestBackend {
  readonly name: 'SQLite' | 'PostgreSQL';
  create(): Promise<SynapseTestDatabase>;
}

const sqlite: SynapseTestBackend = {
  name: 'SQLite',
  async create() {
    const file = await createTestSqliteFile();
    return {
      db: file.db,
      open: () => SynapseSqlMembership.open({ sqlitePath: file.path }),
      rows: async <Row>(sql: string) => {
        const statement = file.db.prepare(sql);
        if (statement.reader) return statement.all() as Row[];
        statement.run();
        return [];
      },
      async cleanup() {
        file.remove();
      },
    };
  },
};

function postgres(url: string): SynapseTestBackend {
  return {
    name: 'PostgreSQL',
    async create() {
      const schema = await createTestSchema(url);
      await createSynapseSchema(schema.pool);
      return {
        db: schema.pool,
        open: () => SynapseSqlMembership.open({ postgresPool: schema.pool }),
        rows: async <Row>(sql: string) => (await schema.pool.query(sql)).rows as Row[],
        cleanup: () => schema.drop(),
      };
    },
  };
}

/** SQLite always; PostgreSQL when reachable (failing under CI=true, warning otherwise). */
export async function synapseBackends(what: string): Promise<SynapseTestBackend[]> {
  const url = await requirePostgres(what);
  return url === undefined ? [sqlite] : [sqlite, postgres(url)];
}
