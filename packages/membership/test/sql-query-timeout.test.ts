/**
 * queryTimeoutMs: a stuck query (tables locked by another transaction, a writer holding
 * SQLite's lock) fails with MembershipError('TIMEOUT') instead of hanging, and the adapter
 * works again once the lock is gone. PostgreSQL runs against the real test server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MembershipError } from '../src/index.ts';
import { SynapseSqlMembership } from '../src/synapse.ts';
import { createSynapseSchema, SynapseFixtureWriter } from '../src/testing.ts';
import { createTestSchema, requirePostgres, type TestSchema } from './support/postgres.ts';
import { writeSynapseSqliteFile } from './support/sqlite.ts';

const HS = 'hs.example';
const ROOM = `!room:${HS}`;
const ALICE = `@alice:${HS}`;
/** Short, so that the tests are quick; what they check is the outcome, not the time. */
const TIMEOUT_MS = 200;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rejection(promise: Promise<unknown>): Promise<MembershipError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MembershipError);
  return error as MembershipError;
}

describe('queryTimeoutMs validation', () => {
  it.each([0, -5, 1.5, '100', 2 ** 31])('refuses %s', (bad) => {
    expect(
      () =>
        new SynapseSqlMembership({
          postgresUrl: 'postgresql://root@127.0.0.1:5432/test',
          queryTimeoutMs: bad as number,
        }),
    ).toThrowError(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});

describe('queryTimeoutMs on SQLite', () => {
  it('fails a query blocked by a writer with TIMEOUT, and reads again once it commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pr-sqlite-lock-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'homeserver.db');
    await writeSynapseSqliteFile(path, HS, (writer) => writer.join(ROOM, ALICE));
    const source = await SynapseSqlMembership.open({ sqlitePath: path, queryTimeoutMs: 50 });
    cleanups.push(() => source.close());
    const writer = new Database(path);
    cleanups.push(() => {
      writer.close();
    });
    writer.exec('BEGIN EXCLUSIVE'); // rollback journal: readers wait for this lock

    const error = await rejection(source.getJoinedMembers([ROOM]));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/locked by a writer for 50 ms \(queryTimeoutMs\)/);

    writer.exec('COMMIT');
    expect((await source.getJoinedMembers([ROOM])).get(ROOM)).toEqual([ALICE]);
  });
});

const url = await requirePostgres('the PostgreSQL query timeout tests');

describe.skipIf(url === undefined)('queryTimeoutMs on PostgreSQL', { timeout: 30_000 }, () => {
  const base = url as string;

  /** A Synapse schema with one joined room, and a second connection that can lock it. */
  async function lockableDatabase(): Promise<{ schema: TestSchema; locker: pg.Client }> {
    const schema = await createTestSchema(base);
    cleanups.push(() => schema.drop());
    await createSynapseSchema(schema.pool);
    await new SynapseFixtureWriter(schema.pool, { serverName: HS }).join(ROOM, ALICE);
    const locker = new pg.Client({ connectionString: base });
    await locker.connect();
    cleanups.push(() => locker.end());
    return { schema, locker };
  }

  async function lockTables(locker: pg.Client, schema: TestSchema): Promise<void> {
    await locker.query('BEGIN');
    await locker.query(
      `LOCK TABLE ${schema.schema}.rooms, ${schema.schema}.current_state_events IN ACCESS EXCLUSIVE MODE`,
    );
  }

  it('fails a query stuck behind a lock with TIMEOUT on a pool it creates', async () => {
    const { schema, locker } = await lockableDatabase();
    const schemaUrl = new URL(base);
    schemaUrl.searchParams.set('options', `-c search_path=${schema.schema}`);
    const source = await SynapseSqlMembership.open({
      postgresUrl: schemaUrl.toString(),
      queryTimeoutMs: TIMEOUT_MS,
    });
    cleanups.push(() => source.close());
    await lockTables(locker, schema);

    const error = await rejection(source.getJoinedMembers([ROOM]));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(
      /PostgreSQL membership query failed: (no answer within 200 ms \(queryTimeoutMs\)|the server cancelled the query at its statement_timeout)/,
    );
    expect(error.cause).toBeInstanceOf(Error);

    await locker.query('ROLLBACK');
    expect((await source.getJoinedMembers([ROOM])).get(ROOM)).toEqual([ALICE]);
  });

  it('bounds every query on a pool it is given, too', async () => {
    const { schema, locker } = await lockableDatabase();
    const source = await SynapseSqlMembership.open({
      postgresPool: schema.pool,
      queryTimeoutMs: TIMEOUT_MS,
    });
    await lockTables(locker, schema);

    const error = await rejection(source.getRoomStatuses([ROOM]));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('no answer within 200 ms (queryTimeoutMs)');

    await locker.query('ROLLBACK');
    expect((await source.getRoomStatuses([ROOM])).get(ROOM)?.status).toBe('participating');
  });

  it('reports a pool without a free connection in time as TIMEOUT', async () => {
    const pool = new pg.Pool({ connectionString: base, max: 1, connectionTimeoutMillis: 100 });
    pool.on('error', () => {});
    cleanups.push(() => pool.end());
    const source = new SynapseSqlMembership({ postgresPool: pool });
    const held = await pool.connect();
    try {
      const error = await rejection(source.driver.select('SELECT 1'));
      expect(error.code).toBe('TIMEOUT');
      expect(error.message).toMatch(/no database connection became free in time/);
    } finally {
      held.release();
    }
  });
});
