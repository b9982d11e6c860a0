/**
 * How the SQL drivers' errors become `MembershipError`s: `SCHEMA_MISMATCH` naming the missing
 * table or column when the database lacks part of Synapse's schema (SQLite's "no such
 * table", PostgreSQL's SQLSTATE 42P01 / 42703), `DATABASE_ERROR` otherwise.
 *
 * @example
 * ```ts
 * try { await pool.query(text); }
 * catch (e) { throw toMembershipError(e, 'postgres', 'A PostgreSQL membership query failed'); }
 * ```
 * @module
 */
import { MembershipError } from '../../errors.ts';
import type { SqlDialect } from '../../synapse/sql-driver.ts';

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
