/**
 * The SQLite side of {@link SqlDriver}, over `better-sqlite3`. A path to an existing file is
 * opened read-only; lists are queried in chunks of `IN (?, ?, ...)` below SQLite's variable
 * limit (32766 since SQLite 3.32; the default chunk of 900 also fits the old limit of 999).
 *
 * A database opened from a path is watched by {@link SqlDriver.checkFile} (the delta-stream
 * poller calls it on every poll): one `stat` of the path (device, inode, size). When the
 * file was replaced (another inode at the path), truncated (smaller than before) or deleted,
 * the old handle is closed, so the driver never keeps reading a deleted or stale file, and
 * the file at the path is opened again read-only. While no readable database is there
 * (missing, empty, not a database), queries fail with `MembershipError('DATABASE_UNAVAILABLE')`;
 * each later check tries again once the file is back or has changed.
 *
 * `better-sqlite3` (an optional peer dependency, a native module) is imported when the first
 * query runs, and the file opened then; without it installed, that query fails with
 * `DEPENDENCY_MISSING`. A database handed in is used as it is.
 *
 * @example
 * ```ts
 * const driver = openSqliteDriver({ path: '/var/lib/synapse/homeserver.db' });
 * const change = driver.checkFile?.(); // undefined, or { kind: 'replaced', reopened: true, message, ... }
 * ```
 * @module
 */
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { MembershipError } from '../../errors.ts';
import type { DatabaseFileChange, SqlDriver, SqlParam } from '../../synapse/sql-driver.ts';
import { toMembershipError } from './driver-errors.ts';
import { loadBetterSqlite3, type SqliteDatabaseClass } from './optional-dependencies.ts';
import { MAX_QUERY_TIMEOUT_MS, queryTimeout, timeoutError } from './query-timeout.ts';
import {
  type FileChangeKind,
  type FileIdentity,
  fileChangeKind,
  statDatabaseFile,
} from './sqlite-file-identity.ts';
import { IN_LIST } from './synapse-sql-queries.ts';

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
  /**
   * Path only: how long a query waits for a writer's lock (SQLite's busy timeout) before it
   * fails with `MembershipError('TIMEOUT')`. Default 5000 ms.
   */
  readonly queryTimeoutMs?: number;
}

/** Where an owned database comes from, to open it (again). */
interface DatabaseFile {
  readonly path: string;
  readonly timeoutMs: number;
  /** Imports `better-sqlite3`. */
  readonly load: () => Promise<SqliteDatabaseClass>;
}

const QUERY_FAILED = 'A SQLite membership query failed';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Opens `file` read-only (as on the first query: no check of its contents). */
function openFile(Sqlite: SqliteDatabaseClass, file: DatabaseFile): Database.Database {
  return new Sqlite(file.path, {
    readonly: true,
    fileMustExist: true,
    timeout: Math.min(file.timeoutMs, MAX_QUERY_TIMEOUT_MS),
  });
}

/** Opens `file` read-only and checks that it holds a schema; throws what went wrong. */
function openReadOnly(Sqlite: SqliteDatabaseClass, file: DatabaseFile): Database.Database {
  const db = openFile(Sqlite, file);
  try {
    const { n } = db.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get() as { n: number };
    if (n === 0) throw new Error('the file holds no tables (empty or truncated)');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** The first half of a change's log line: what happened to the file. */
function whatHappened(
  kind: FileChangeKind,
  path: string,
  before: FileIdentity | undefined,
  now: FileIdentity | undefined,
): string {
  const name = `The SQLite database ${JSON.stringify(path)}`;
  switch (kind) {
    case 'replaced':
      return `${name} was replaced (inode ${before?.ino} -> ${now?.ino})`;
    case 'truncated':
      return `${name} shrank from ${before?.size} to ${now?.size} bytes`;
    case 'deleted':
      return `${name} was deleted or moved away`;
    case 'back':
      return `${name} is back`;
    case 'modified':
      return `${name}, unreadable until now, changed`;
  }
}

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  /** Set when the driver opens the database from a path (and owns it). */
  readonly #file: DatabaseFile | undefined;
  readonly #chunkSize: number;
  readonly #statements = new Map<string, Database.Statement>();
  /** The open handle; `undefined` before the first query and while the file is unavailable. */
  #db: Database.Database | undefined;
  /** `better-sqlite3`, once the first open loaded it (reopening needs it synchronously). */
  #Sqlite: SqliteDatabaseClass | undefined;
  /** The first open in progress (the first queries wait for it). */
  #opening: Promise<void> | undefined;
  /** The path's last `stat`. */
  #identity: FileIdentity | undefined;
  /** Why the database cannot be read now. */
  #unavailable: MembershipError | undefined;
  #closed = false;

  constructor(
    source: { readonly database: Database.Database } | { readonly file: DatabaseFile },
    chunkSize: number,
  ) {
    this.#chunkSize = chunkSize;
    if ('file' in source) this.#file = source.file;
    else this.#db = source.database;
  }

  async select<Row>(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    const statement = this.#statement(await this.#handle(), sql);
    try {
      return statement.all(...params) as Row[];
    } catch (error) {
      throw this.#queryError(error);
    }
  }

  async selectByList<Row>(sql: string, list: readonly string[]): Promise<Row[]> {
    const values = [...new Set(list)];
    if (values.length === 0) return [];
    const db = await this.#handle();
    const rows: Row[] = [];
    for (let start = 0; start < values.length; start += this.#chunkSize) {
      const chunk = values.slice(start, start + this.#chunkSize);
      const placeholders = `IN (${new Array(chunk.length).fill('?').join(', ')})`;
      const statement = this.#statement(db, sql.replace(IN_LIST, placeholders));
      let chunkRows: Row[];
      try {
        chunkRows = statement.all(...chunk) as Row[];
      } catch (error) {
        throw this.#queryError(error);
      }
      for (const row of chunkRows) rows.push(row);
    }
    return rows;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#file !== undefined) this.#closeHandle();
    else this.#statements.clear();
  }

  checkFile(): DatabaseFileChange | undefined {
    const file = this.#file;
    const Sqlite = this.#Sqlite;
    // Before the first open nothing was read, so no change can matter yet.
    if (this.#closed || file === undefined || Sqlite === undefined) return undefined;
    const { identity, problem } = statDatabaseFile(file.path);
    const before = this.#identity;
    const kind = fileChangeKind(before, identity, this.#db !== undefined);
    this.#identity = identity;
    if (kind === undefined) return undefined;
    const happened = whatHappened(kind, file.path, before, identity);
    if (identity === undefined) {
      this.#closeHandle();
      const error = new MembershipError(
        'DATABASE_UNAVAILABLE',
        `${happened}${problem === undefined ? '' : ` (${problem})`}: no database to read until a readable file is back at the path`,
      );
      this.#unavailable = error;
      return {
        kind,
        path: file.path,
        reopened: false,
        message: `${happened}; closed it: lookups fail with DATABASE_UNAVAILABLE until a readable database is back at the path (checked on every poll)`,
        error,
      };
    }
    const error = this.#reopen(Sqlite, file, happened);
    return error === undefined
      ? { kind, path: file.path, reopened: true, message: `${happened}; reopened it read-only` }
      : {
          kind,
          path: file.path,
          reopened: false,
          message: `${happened} and cannot be read (${messageOf(error.cause)}); closed it: lookups fail with DATABASE_UNAVAILABLE until a readable database is at the path (checked on every poll)`,
          error,
        };
  }

  /** The handle to query; the first call opens the file (loading `better-sqlite3`). */
  async #handle(): Promise<Database.Database> {
    if (this.#closed) throw this.#closedError();
    if (this.#db === undefined && this.#Sqlite === undefined && this.#file !== undefined) {
      const file = this.#file;
      this.#opening ??= this.#openFirst(file).finally(() => {
        this.#opening = undefined;
      });
      await this.#opening;
      if (this.#closed) throw this.#closedError();
    }
    const db = this.#db;
    if (db === undefined) {
      throw (
        this.#unavailable ??
        new MembershipError('DATABASE_UNAVAILABLE', 'The SQLite database is not open')
      );
    }
    return db;
  }

  /** Loads `better-sqlite3` and opens the file; a failure is thrown, and tried again next time. */
  async #openFirst(file: DatabaseFile): Promise<void> {
    const Sqlite = await file.load();
    if (this.#closed || this.#Sqlite !== undefined) return;
    try {
      this.#db = openFile(Sqlite, file);
    } catch (error) {
      throw toMembershipError(
        error,
        'sqlite',
        `Opening the SQLite database ${JSON.stringify(file.path)} failed`,
      );
    }
    this.#Sqlite = Sqlite;
    this.#identity = statDatabaseFile(file.path).identity;
  }

  /** Opens the file at the path in place of the current handle; returns why it failed. */
  #reopen(
    Sqlite: SqliteDatabaseClass,
    file: DatabaseFile,
    happened: string,
  ): MembershipError | undefined {
    let db: Database.Database;
    try {
      db = openReadOnly(Sqlite, file);
    } catch (cause) {
      this.#closeHandle();
      this.#unavailable = new MembershipError(
        'DATABASE_UNAVAILABLE',
        `${happened} and cannot be read: ${messageOf(cause)}`,
        { cause },
      );
      return this.#unavailable;
    }
    this.#closeHandle();
    this.#db = db;
    this.#unavailable = undefined;
    return undefined;
  }

  /** Closes the owned handle (statements first); the driver is unavailable until reopened. */
  #closeHandle(): void {
    this.#statements.clear();
    try {
      this.#db?.close();
    } catch {
      // Closing a handle to a deleted or broken file must not stop the switch to the new one.
    }
    this.#db = undefined;
  }

  #queryError(error: unknown): MembershipError {
    return (
      (this.#file !== undefined
        ? timeoutError(error, 'sqlite', this.#file.timeoutMs, QUERY_FAILED)
        : undefined) ?? toMembershipError(error, 'sqlite', QUERY_FAILED)
    );
  }

  #closedError(): MembershipError {
    return new MembershipError('CLOSED', 'The SQLite membership source is closed');
  }

  #statement(db: Database.Database, sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      try {
        statement = db.prepare(sql);
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

/**
 * Opens a read-only SQLite {@link SqlDriver}. Throws `MembershipError('INVALID_OPTIONS')` on
 * bad options; `loadDriver` imports `better-sqlite3` (for a path only, on the first query).
 */
export function openSqliteDriver(
  options: SqliteDriverOptions,
  loadDriver: () => Promise<SqliteDatabaseClass> = loadBetterSqlite3,
): SqlDriver {
  const chunkSize = options.chunkSize ?? SQLITE_DEFAULT_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > SQLITE_MAX_CHUNK) {
    throw new MembershipError(
      'INVALID_OPTIONS',
      `sqlite chunkSize must be an integer from 1 to ${SQLITE_MAX_CHUNK}, got ${String(chunkSize)}`,
    );
  }
  const timeoutMs = queryTimeout(options.queryTimeoutMs);
  if (options.database !== undefined)
    return new SqliteDriver({ database: options.database }, chunkSize);
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
  return new SqliteDriver({ file: { path, timeoutMs, load: loadDriver } }, chunkSize);
}
