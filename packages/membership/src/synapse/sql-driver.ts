/**
 * The small database interface the Synapse SQL adapter and the delta-stream poller share, so
 * the same queries run on SQLite and PostgreSQL. Queries are written once with `?`
 * placeholders; a query over a list of IDs marks the spot with `IN_LIST`, which becomes
 * `= ANY($n::text[])` on PostgreSQL (one round trip) and chunked `IN (?, ?, ...)` on SQLite.
 *
 * @example
 * ```ts
 * const rows = await driver.selectByList<{ room_id: string }>(
 *   "SELECT room_id FROM rooms WHERE room_id IN_LIST",
 *   ['!a:hs.example', '!b:hs.example'],
 * );
 * ```
 * @module
 */
import type { MembershipError } from '../errors.ts';

/** Which SQL dialect a driver speaks. */
export type SqlDialect = 'sqlite' | 'postgres';

/** A positional query parameter. */
export type SqlParam = string | number | null;

/** A read-only database connection as the adapter needs it. */
export interface SqlDriver {
  readonly dialect: SqlDialect;
  /** Runs `sql` (with `?` placeholders) and returns its rows. */
  select<Row>(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /**
   * Runs `sql`, which holds the marker `IN_LIST` once (as in `room_id IN_LIST`) and no other
   * placeholder, for every value of `list`; returns all rows. Duplicates in `list` are dropped.
   */
  selectByList<Row>(sql: string, list: readonly string[]): Promise<Row[]>;
  /** Releases the connection when the driver owns it; idempotent. */
  close(): Promise<void>;
  /**
   * SQLite drivers opened from a path: stats the path (device, inode, size; no query) and,
   * when the database file was replaced, truncated or deleted, or is back, closes the old
   * handle and opens the file again read-only, or stays unavailable (queries fail with
   * `DATABASE_UNAVAILABLE`) until a readable database is at the path. Returns what changed,
   * `undefined` when nothing did. The delta-stream poller calls it on every poll. Absent
   * (PostgreSQL) or always `undefined` (a SQLite database handed in) where there is no file
   * to watch.
   */
  checkFile?(): DatabaseFileChange | undefined;
}

/** What {@link SqlDriver.checkFile} found: the database file at the path changed. */
export interface DatabaseFileChange {
  /**
   * `replaced`: another file (inode) is at the path; `truncated`: the file got smaller;
   * `deleted`: nothing is at the path; `back`: a file is at the path again after none was;
   * `modified`: the unreadable file changed (it may be readable now).
   */
  readonly kind: 'replaced' | 'truncated' | 'deleted' | 'back' | 'modified';
  /** The database path. */
  readonly path: string;
  /** Whether the driver opened the file again and now reads it; otherwise it is unavailable. */
  readonly reopened: boolean;
  /** What happened and what the driver did, in words, for a log line. */
  readonly message: string;
  /** Why the database is unavailable (`DATABASE_UNAVAILABLE`), when it was not reopened. */
  readonly error?: MembershipError;
}
