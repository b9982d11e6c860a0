/**
 * The SQLite side of {@link SqlDriver}, over `better-sqlite3`. A path to an existing file is
 * opened read-only; lists are queried in chunks of `IN (?, ?, ...)` below SQLite's variable
 * limit (32766 since SQLite 3.32; the default chunk of 900 also fits the old limit of 999).
 *
 * @example
 * ```ts
 * const driver = openSqliteDriver({ path: '/var/lib/synapse/homeserver.db' });
 * ```
 * @module
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MembershipError } from '../errors.ts';
import type { SqlDriver, SqlParam } from './sql-driver.ts';
import { IN_LIST, toMembershipError } from './sql-driver.ts';

/** The largest chunk allowed: SQLite's default variable limit since 3.32. */
export const SQLITE_MAX_CHUNK = 32766;
/** Default number of IDs per `IN (...)` list. */
export const SQLITE_DEFAULT_CHUNK = 900;

/** Options of {@link openSqliteDriver}. */
export interface SqliteDriverOptions {
  /** Path of Synapse's SQLite database file; it must exist. Opened read-only. */
  readonly path?: string;
  /** An open `better-sqlite3` database to use instead; the caller keeps ownership (not closed). */
  readonly database?: Database.Database;
  /** IDs per `IN (...)` list; default {@link SQLITE_DEFAULT_CHUNK}. */
  readonly chunkSize?: number;
}

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #owned: boolean;
  readonly #chunkSize: number;
  readonly #statements = new Map<string, Database.Statement>();
  #closed = false;

  constructor(db: Database.Database, owned: boolean, chunkSize: number) {
    this.#db = db;
    this.#owned = owned;
    this.#chunkSize = chunkSize;
  }

  async select<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    const statement = this.#statement(sql);
    try {
      return statement.all(...params) as Row[];
    } catch (error) {
      throw toMembershipError(error, 'sqlite', 'A SQLite membership query failed');
    }
  }

  async selectByList<Row>(sql: string, list: readonly string[]): Promise<Row[]> {
    const values = [...new Set(list)];
    const rows: Row[] = [];
    for (let start = 0; start < values.length; start += this.#chunkSize) {
      const chunk = values.slice(start, start + this.#chunkSize);
      const placeholders = `IN (${new Array(chunk.length).fill('?').join(', ')})`;
      const statement = this.#statement(sql.replace(IN_LIST, placeholders));
      let chunkRows: Row[];
      try {
        chunkRows = statement.all(...chunk) as Row[];
      } catch (error) {
        throw toMembershipError(error, 'sqlite', 'A SQLite membership query failed');
      }
      for (const row of chunkRows) rows.push(row);
    }
    return rows;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    if (this.#owned) this.#db.close();
  }

  #statement(sql: string): Database.Statement {
    if (this.#closed) throw new MembershipError('CLOSED', 'The SQLite membership source is closed');
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      try {
        statement = this.#db.prepare(sql);
      } catch (error) {
        throw toMembershipError(error, 'sqlite', 'Preparing a membership query failed');
      }
      // Keep the statement cache small: list chunks of every length would otherwise pile up.
      if (this.#statements.size > 64) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

/** Opens a read-only SQLite {@link SqlDriver}. Throws `MembershipError` on bad options. */
export function openSqliteDriver(options: SqliteDriverOptions): SqlDriver {
  const chunkSize = options.chunkSize ?? SQLITE_DEFAULT_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > SQLITE_MAX_CHUNK) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `sqlite chunkSize must be an integer from 1 to ${SQLITE_MAX_CHUNK}, got ${String(chunkSize)}`,
    );
  }
  if (options.database !== undefined) {
    return new SqliteDriver(options.database, false, chunkSize);
  }
  const path = options.path;
  if (typeof path !== 'string' || path === '') {
    throw new MembershipError(
      'INVALID_OPTIONS',
      'The SQLite membership source needs a database path',
    );
  }
  if (!existsSync(path)) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `No SQLite database at ${JSON.stringify(path)}: point it at Synapse's homeserver.db`,
    );
  }
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    return new SqliteDriver(db, true, chunkSize);
  } catch (error) {
    throw toMembershipError(
      error,
      'sqlite',
      `Opening the SQLite database ${JSON.stringify(path)} failed`,
    );
  }
}
