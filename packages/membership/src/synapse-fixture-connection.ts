/**
 * The write side the Synapse fixture writer needs, over `better-sqlite3` or `pg`: plain
 * statements, multi-row inserts (prepared statements on SQLite, one `unnest` insert per table
 * on PostgreSQL) and transactions. Test and demo tooling only.
 *
 * @example
 * ```ts
 * const connection = fixtureConnection(new Database('/tmp/demo.db'));
 * await connection.transaction(async (tx) => tx.run('DELETE FROM rooms', []));
 * ```
 * @module
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { MembershipError } from './errors.ts';
import type { SqlDialect, SqlParam } from './sql/sql-driver.ts';

/** A database the fixture tools write to: `better-sqlite3`, or a `pg` pool or client. */
export type FixtureDatabase = Database.Database | pg.Pool | pg.PoolClient | pg.Client;

/** Column types for multi-row inserts. */
export type FixtureColumnType = 'text' | 'bigint' | 'bool' | 'int';

/** A fixture value: booleans become 1/0 on SQLite; arrays are for PostgreSQL `ANY(?)` only. */
export type FixtureValue = SqlParam | boolean | readonly string[];

/** One connection of the fixture writer, inside or outside a transaction. */
export interface FixtureConnection {
  readonly dialect: SqlDialect;
  /** Runs a statement with `?` placeholders; returns its rows (if any). */
  run<Row = Record<string, unknown>>(sql: string, params: readonly FixtureValue[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters. */
  script(sql: string): Promise<void>;
  /** Inserts many rows into `table`. */
  insert(
    table: string,
    columns: readonly (readonly [name: string, type: FixtureColumnType])[],
    rows: readonly (readonly FixtureValue[])[],
  ): Promise<void>;
  /** Runs `work` in one transaction, committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: FixtureConnection) => Promise<T>): Promise<T>;
}

function isSqlite(db: FixtureDatabase): db is Database.Database {
  return typeof (db as Database.Database).prepare === 'function';
}

function isPool(db: pg.Pool | pg.PoolClient | pg.Client): db is pg.Pool {
  return typeof (db as pg.Pool).totalCount === 'number';
}

function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

class SqliteFixtureConnection implements FixtureConnection {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  async run<Row>(sql: string, params: readonly FixtureValue[]): Promise<Row[]> {
    const statement = this.#prepare(sql);
    const values = params.map(sqliteValue);
    if (statement.reader) return statement.all(...values) as Row[];
    statement.run(...values);
    return [];
  }

  async script(sql: string): Promise<void> {
    this.#db.exec(sql);
  }

  async insert(
    table: string,
    columns: readonly (readonly [string, FixtureColumnType])[],
    rows: readonly (readonly FixtureValue[])[],
  ): Promise<void> {
    const names = columns.map(([name]) => name).join(', ');
    const marks = columns.map(() => '?').join(', ');
    const statement = this.#prepare(`INSERT INTO ${table} (${names}) VALUES (${marks})`);
    for (const row of rows) statement.run(...row.map(sqliteValue));
  }

  /** Prepared statements are reused: bulk writes run the same few statements many times. */
  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size > 64) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async transaction<T>(work: (tx: FixtureConnection) => Promise<T>): Promise<T> {
    // Everything below is synchronous in better-sqlite3, so no other writer interleaves.
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work(this);
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

function sqliteValue(value: FixtureValue): SqlParam {
  if (Array.isArray(value)) {
    throw new MembershipError('INVALID_OPTIONS', 'Array parameters are for PostgreSQL only');
  }
  return typeof value === 'boolean' ? (value ? 1 : 0) : (value as SqlParam);
}

class PostgresFixtureConnection implements FixtureConnection {
  readonly dialect = 'postgres' as const;
  readonly #db: pg.Pool | pg.PoolClient | pg.Client;

  constructor(db: pg.Pool | pg.PoolClient | pg.Client) {
    this.#db = db;
  }

  async run<Row>(sql: string, params: readonly FixtureValue[]): Promise<Row[]> {
    const result = await this.#db.query(numberPlaceholders(sql), [...params]);
    return result.rows as Row[];
  }

  async script(sql: string): Promise<void> {
    await this.#db.query(sql);
  }

  async insert(
    table: string,
    columns: readonly (readonly [string, FixtureColumnType])[],
    rows: readonly (readonly FixtureValue[])[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const names = columns.map(([name]) => name).join(', ');
    const arrays = columns.map((_, index) => rows.map((row) => row[index] ?? null));
    const unnest = columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ');
    await this.#db.query(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest})`, arrays);
  }

  async transaction<T>(work: (tx: FixtureConnection) => Promise<T>): Promise<T> {
    const client = isPool(this.#db) ? await this.#db.connect() : this.#db;
    const tx = new PostgresFixtureConnection(client);
    try {
      await client.query('BEGIN');
      try {
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    } finally {
      if (client !== this.#db) (client as pg.PoolClient).release();
    }
  }
}

/** Wraps a `better-sqlite3` database or a `pg` pool/client for the fixture tools. */
export function fixtureConnection(db: FixtureDatabase): FixtureConnection {
  if (typeof db !== 'object' || db === null) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      'The Synapse fixture writer needs a better-sqlite3 database or a pg Pool/Client',
    );
  }
  if (isSqlite(db)) {
    if (db.readonly) {
      throw new MembershipError(
        'INVALID_OPTIONS',
        'The Synapse fixture writer needs a writable database',
      );
    }
    return new SqliteFixtureConnection(db);
  }
  if (typeof (db as pg.Client).query !== 'function') {
    throw new MembershipError(
      'INVALID_OPTIONS',
      'The Synapse fixture writer needs a better-sqlite3 database or a pg Pool/Client',
    );
  }
  return new PostgresFixtureConnection(db);
}
