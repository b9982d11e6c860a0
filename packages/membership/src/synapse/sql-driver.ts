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
import { MembershipError } from '../errors.ts';

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

/** The marker of a list parameter in a query. */
export const IN_LIST = 'IN_LIST';

interface DatabaseErrorLike {
  code?: unknown;
  message?: unknown;
}

/**
 * Turns a driver error into a `MembershipError`: `SCHEMA_MISMATCH` (naming the missing table
 * or column) when the database lacks part of Synapse's schema, `DATABASE_ERROR` otherwise.
 */
export function toMembershipError(
  error: unknown,
  dialect: SqlDialect,
  action: string,
): MembershipError {
  if (error instanceof MembershipError) return error;
  const { code, message } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as DatabaseErrorLike;
  const text = typeof message === 'string' ? message : String(error);
  let missing: string | undefined;
  if (dialect === 'sqlite') {
    const match = /no such (table|column): (\S+)/.exec(text);
    if (match) missing = `${match[1]} ${match[2]}`;
  } else if (code === '42P01' || code === '42703') {
    const match = /(relation|column) "?([^"\s]+(?:\.[^"\s]+)?)"? does not exist/.exec(text);
    const kind = code === '42P01' ? 'table' : 'column';
    missing = match ? `${kind} ${match[2]}` : `${kind} (${text})`;
  }
  if (missing !== undefined) {
    return new MembershipError(
      'SCHEMA_MISMATCH',
      `${action}: the database has no ${missing}. Is this a Synapse database, and (on PostgreSQL) ` +
        'is the search_path set to its schema? The adapter reads current_state_events, ' +
        'local_current_membership, rooms, partial_state_rooms and current_state_delta_stream.',
      { cause: error },
    );
  }
  return new MembershipError('DATABASE_ERROR', `${action}: ${text}`, { cause: error });
}
